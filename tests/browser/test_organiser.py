"""Organisers in a real browser: granted the role, create an event, approve a sign-up,
and the private leaderboard that appears only once the event has closed."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from server.models import utcnow
from tests.browser.conftest import sign_in, sign_up


def fill_event_form(page, **values: str) -> None:  # type: ignore[no-untyped-def]
    for name, value in values.items():
        page.fill(f"[name={name}]", value)


def test_organiser_creates_an_event_and_approves_a_participant(
    new_page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    organiser = new_page()
    sign_up(organiser, "orga")
    admin = new_page()
    sign_in(admin, "admin", live_server.admin_password)
    admin.goto("/admin/users")
    admin.get_by_label("Role of orga", exact=True).select_option("organiser")
    admin.get_by_role("button", name="Set role of orga").click()
    expect(admin.locator(".flash")).to_contain_text("orga is now organiser")

    organiser.goto("/new-event")
    now = utcnow()
    fill_event_form(
        organiser,
        name="approval-iris",
        title="Iris with approval",
        opens_at=(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        closes_at=(now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        min_seconds_between_submissions="0",
    )
    organiser.select_option("[name=problem_name]", "iris")
    organiser.check("[name=signup_needs_approval]")
    organiser.get_by_role("button", name="Create event").click()
    organiser.wait_for_url("**/events/approval-iris/manage")

    participant = new_page()
    sign_up(participant, "hopeful")
    participant.goto("/events/approval-iris")
    participant.get_by_role("button", name="Join this event").click()
    expect(participant.locator("main")).to_contain_text("waiting for an organiser's approval")

    organiser.reload()
    organiser.get_by_role("button", name="Approve hopeful").click()
    expect(organiser.locator(".flash")).to_contain_text("approved")

    participant.goto("/events/approval-iris")
    participant.get_by_role("link", name="Open the sandbox").click()
    expect(participant.locator("textarea[name='file:estimator.py']")).to_be_attached()


def test_private_leaderboard_hidden_before_closing_and_shown_after(
    new_page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    admin = new_page()
    sign_in(admin, "admin", live_server.admin_password)
    now = utcnow()
    admin.goto("/new-event")
    fill_event_form(
        admin,
        name="closing-iris",
        title="Iris closing soon",
        opens_at=(now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        closes_at=(now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        min_seconds_between_submissions="0",
    )
    admin.select_option("[name=problem_name]", "iris")
    admin.get_by_role("button", name="Create event").click()
    admin.wait_for_url("**/manage")

    player = new_page()
    sign_up(player, "closer")
    player.goto("/events/closing-iris")
    player.get_by_role("button", name="Join this event").click()
    player.fill("input[name=name]", "before_closing")
    player.get_by_role("button", name="Submit").click()
    expect(player.locator("#state")).to_have_text("scored", timeout=120_000)

    player.goto("/events/closing-iris/leaderboard")
    expect(player.locator("nav.tabs")).not_to_contain_text("private")
    response = player.goto("/events/closing-iris/leaderboard?kind=private")
    assert response is not None and response.status == 403
    expect(player.locator("main")).to_contain_text("revealed when the event closes")

    # The organiser (admin) sees it already, and closes the event.
    admin.goto("/events/closing-iris/leaderboard?kind=private")
    expect(admin.locator("table.leaderboard")).to_contain_text("before_closing")
    admin.goto("/events/closing-iris/edit")
    fill_event_form(admin, closes_at=(now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    admin.get_by_role("button", name="Save").click()
    admin.wait_for_url("**/manage")

    player.goto("/events/closing-iris/leaderboard")
    player.get_by_role("link", name="private").click()
    expect(player.locator("table.leaderboard")).to_contain_text("before_closing")
    expect(player.locator("table.leaderboard th", has_text="Move")).to_be_visible()
