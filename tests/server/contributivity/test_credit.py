"""The credit form: pre-filled from imports, checked, saved as links, and felt at once in
historical contributivity; only the submission's team may fill it in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import CodeAccess, CodeAccessKind, EventOrganiser, Submission, SubmissionCredit
from tests.factories import create_submission, create_user
from tests.server.conftest import api_headers, join, login, post_form

from .conftest import SharedEvent


def field_value(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def credits(session: Session, submission_id: int) -> dict[int, float]:
    rows = session.execute(
        select(SubmissionCredit.source_submission_id, SubmissionCredit.weight).where(
            SubmissionCredit.submission_id == submission_id
        )
    )
    return {source: weight for source, weight in rows}


def historical(session: Session, shared: SharedEvent) -> dict[str, float]:
    subs = {"alice": shared.alice_sub, "carol": shared.carol_sub, "bob": shared.bob_sub}
    values = {}
    for name, submission in subs.items():
        session.refresh(submission)
        values[name] = submission.historical_contributivity
    return values


def test_the_form_is_prefilled_with_half_the_points_to_imports_and_none_to_views(
    client: TestClient, shared: SharedEvent
) -> None:
    login(client, shared.bob)

    page = client.get(f"/submissions/{shared.bob_sub.id}/credit")

    assert page.status_code == 200
    assert field_value(page.text, "own") == "50"
    assert field_value(page.text, f"source-{shared.alice_sub.id}") == "50"  # imported
    assert field_value(page.text, f"source-{shared.carol_sub.id}") == "0"  # viewed
    assert "alice_sub" in page.text and "imported" in page.text and "viewed" in page.text


def test_saving_a_split_stores_links_and_credit_flows_back_to_the_source(
    client: TestClient, session: Session, shared: SharedEvent
) -> None:
    login(client, shared.bob)
    alice, carol = shared.alice_sub.id, shared.carol_sub.id

    response = post_form(
        client,
        f"/submissions/{shared.bob_sub.id}/credit",
        {"own": "60", f"source-{alice}": "30", f"source-{carol}": "10"},
    )

    assert response.status_code == 303, response.text
    assert credits(session, shared.bob_sub.id) == {alice: 0.3, carol: 0.1}
    values = historical(session, shared)
    # Bob's 0.5 of the blend: 60 % stays, 30 % goes to Alice, 10 % to Carol.
    assert values["bob"] == pytest.approx(0.5 * 0.6)
    assert values["alice"] == pytest.approx(0.2 + 0.5 * 0.3)
    assert values["carol"] == pytest.approx(0.3 + 0.5 * 0.1)
    assert sum(values.values()) == pytest.approx(1.0)
    # The saved split is what the form shows next time, and on the contributivity page.
    again = client.get(f"/submissions/{shared.bob_sub.id}/credit")
    assert field_value(again.text, "own") == "60"
    assert field_value(again.text, f"source-{alice}") == "30"
    board = client.get(f"/api/events/{shared.event.name}/contributivity").json()
    shown = {row["submission_name"]: row["historical_contributivity"] for row in board["rows"]}
    assert shown["alice_sub"] == pytest.approx(0.2 + 0.5 * 0.3)


def test_a_new_split_replaces_the_old_links(
    client: TestClient, session: Session, shared: SharedEvent
) -> None:
    login(client, shared.bob)
    url = f"/submissions/{shared.bob_sub.id}/credit"
    alice, carol = shared.alice_sub.id, shared.carol_sub.id
    post_form(client, url, {"own": "50", f"source-{alice}": "50", f"source-{carol}": "0"})

    post_form(client, url, {"own": "100", f"source-{alice}": "0", f"source-{carol}": "0"})

    assert credits(session, shared.bob_sub.id) == {}
    assert historical(session, shared) == {"alice": 0.2, "carol": 0.3, "bob": 0.5}


def test_mistakes_are_shown_on_the_form_with_what_was_typed(
    client: TestClient, session: Session, shared: SharedEvent
) -> None:
    login(client, shared.bob)
    url = f"/submissions/{shared.bob_sub.id}/credit"
    alice, carol = shared.alice_sub.id, shared.carol_sub.id
    cases = [
        ({"own": "60", f"source-{alice}": "30", f"source-{carol}": "0"}, "add up to 100, not 90"),
        ({"own": "110", f"source-{alice}": "-10", f"source-{carol}": "0"}, "cannot be negative"),
        ({"own": "lots", f"source-{alice}": "0", f"source-{carol}": "0"}, "not a number"),
        ({"own": "50", f"source-{alice}": "50", f"source-{carol}": "nan"}, "not a number"),
    ]
    for data, message in cases:
        response = post_form(client, url, data)
        assert response.status_code == 422, data
        assert message in response.text, (data, response.text)
        assert 'role="alert"' in response.text
        assert field_value(response.text, "own") == data["own"]
    assert credits(session, shared.bob_sub.id) == {}


def test_only_sources_the_team_accessed_in_this_event_and_earlier_can_be_credited(
    client: TestClient, session: Session, shared: SharedEvent
) -> None:
    event = shared.event
    # Dave's submission came after Bob's: though Bob's team viewed it, it is not offered.
    dave_team = join(session, event, create_user(session))
    later = create_submission(
        session, team=dave_team, created_at=shared.bob_sub.created_at + timedelta(minutes=5)
    )
    # Erin's is older but Bob's team never looked at it.
    erin_team = join(session, event, create_user(session))
    unseen = create_submission(
        session, team=erin_team, created_at=shared.bob_sub.created_at - timedelta(minutes=5)
    )
    session.add(
        CodeAccess(
            user_id=shared.bob.id,
            team_id=shared.bob_sub.team_id,
            submission_id=later.id,
            kind=CodeAccessKind.IMPORT,
        )
    )
    session.flush()
    login(client, shared.bob)
    url = f"/submissions/{shared.bob_sub.id}/credit"

    assert f"source-{later.id}" not in client.get(url).text
    for forged in (later.id, unseen.id, shared.bob_sub.id):
        response = post_form(client, url, {"own": "50", f"source-{forged}": "50"})
        assert response.status_code == 422
        assert "cannot be credited" in response.text
    assert credits(session, shared.bob_sub.id) == {}


def test_another_team_an_organiser_or_a_stranger_cannot_edit_the_credit(
    client: TestClient, make_client: Callable[[], TestClient], session: Session, shared: SharedEvent
) -> None:
    organiser = create_user(session)
    session.add(EventOrganiser(event_id=shared.event.id, user_id=organiser.id))
    session.flush()
    url = f"/submissions/{shared.bob_sub.id}/credit"
    api = f"/api/events/{shared.event.name}/contributivity/credits/{shared.bob_sub.id}"
    alice_id = shared.alice_sub.id

    # Alice can see Bob's scored code (shared phase), but not say whom it credits.
    alice = login(make_client(), shared.alice)
    assert alice.get(url).status_code == 403
    assert post_form(alice, url, {"own": "0", f"source-{alice_id}": "100"}).status_code == 403
    assert login(make_client(), organiser).get(url).status_code == 403
    headers = api_headers(session, shared.carol)
    body = {"own": 0, "sources": {str(alice_id): 100}}
    assert client.put(api, json=body, headers=headers).status_code == 403
    # Anonymous: neither an API token nor a session's CSRF token.
    assert client.put(api, json=body).status_code in (401, 403)
    assert client.get(api).status_code == 401
    assert credits(session, shared.bob_sub.id) == {}
    assert client.get(url).status_code == 303  # anonymous: sent to sign in


def test_the_credit_api_reads_and_saves_the_split(
    client: TestClient, session: Session, shared: SharedEvent
) -> None:
    headers = api_headers(session, shared.bob)
    api = f"/api/events/{shared.event.name}/contributivity/credits/{shared.bob_sub.id}"
    alice, carol = shared.alice_sub.id, shared.carol_sub.id

    before = client.get(api, headers=headers).json()
    assert before["own_points"] == 50 and before["saved"] is False
    assert {s["submission_id"]: (s["kind"], s["points"]) for s in before["sources"]} == {
        alice: ("import", 50),
        carol: ("view", 0),
    }
    refused = client.put(api, json={"own": 50, "sources": {str(alice): 40}}, headers=headers)
    assert refused.status_code == 422
    assert "add up to 100" in refused.json()["detail"]

    saved = client.put(api, json={"own": 75, "sources": {str(carol): 25}}, headers=headers)

    assert saved.status_code == 200, saved.text
    assert saved.json()["saved"] is True and saved.json()["own_points"] == 75
    assert credits(session, shared.bob_sub.id) == {carol: 0.25}
    assert historical(session, shared)["carol"] == pytest.approx(0.3 + 0.5 * 0.25)
    # Under another event's URL, the submission is not found.
    other = client.get(
        f"/api/events/nope/contributivity/credits/{shared.bob_sub.id}", headers=headers
    )
    assert other.status_code == 404


def test_credit_leaves_the_blend_when_its_source_does(
    client: TestClient, session: Session, shared: SharedEvent
) -> None:
    """An organiser excluding the source: its share stays with the author, none is lost."""
    login(client, shared.bob)
    alice = shared.alice_sub.id
    post_form(
        client,
        f"/submissions/{shared.bob_sub.id}/credit",
        {"own": "50", f"source-{alice}": "50", f"source-{shared.carol_sub.id}": "0"},
    )
    source = session.get_one(Submission, alice)
    source.is_excluded, source.contributivity = True, 0.0
    session.flush()
    from server.contributivity.service import recompute_historical_contributivity

    values = recompute_historical_contributivity(session=session, event_id=shared.event.id)

    assert values == pytest.approx({shared.carol_sub.id: 0.3, shared.bob_sub.id: 0.5})
    assert historical(session, shared)["alice"] == 0.0
