"""A team chooses which of its scored submissions enters the competition, until the event
closes; the competition board shows that one, or the team's best public one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.leaderboards import repository as leaderboards_repository
from server.models import (
    EventOrganiser,
    FailureKind,
    SubmissionState,
    Team,
    TeamMember,
    UserRole,
    utcnow,
)
from tests.factories import create_event, create_submission, create_user
from tests.server.conftest import api_headers, iris_problem, join, login, post_form, score


@pytest.fixture
def world(session: Session):  # type: ignore[no-untyped-def]
    """Team "ours" with a better and a worse scored submission and a failed one; team
    "theirs" with one scored submission between the two."""
    event = create_event(session, problem=iris_problem(session))
    owner, mate, rival = (create_user(session) for _ in range(3))
    ours = join(session, event, owner)
    session.add(TeamMember(team_id=ours.id, event_id=event.id, user_id=mate.id))
    theirs = join(session, event, rival)
    better = create_submission(session, team=ours, name="better")
    score(session, better, valid={"accuracy": 0.95, "error": 0.05})
    worse = create_submission(session, team=ours, name="worse")
    score(session, worse, valid={"accuracy": 0.70, "error": 0.30})
    failed = create_submission(
        session,
        team=ours,
        name="broken",
        state=SubmissionState.FAILED,
        failure_kind=FailureKind.IMPORT_ERROR,
    )
    middle = create_submission(session, team=theirs, name="middle")
    score(session, middle, valid={"accuracy": 0.80, "error": 0.20})
    session.flush()
    return {
        "event": event,
        "ours": ours,
        "owner": owner,
        "mate": mate,
        "rival": rival,
        "better": better,
        "worse": worse,
        "failed": failed,
        "middle": middle,
    }


def selection_url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/api/events/{world['event'].name}/teams/mine/selected-submission"


def competition(client: TestClient, world) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    url = f"/api/events/{world['event'].name}/leaderboard?kind=competition"
    return [(row["submission_name"], row["entry"]) for row in client.get(url).json()["rows"]]


def test_without_a_choice_the_board_shows_each_teams_best(
    client: TestClient,
    world,  # type: ignore[no-untyped-def]
) -> None:
    assert competition(client, world) == [("better", "best"), ("middle", "best")]


def test_choose_and_change_through_the_api(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    headers = api_headers(session, world["owner"])
    response = client.put(
        selection_url(world), json={"submission_id": world["worse"].id}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "team_name": world["ours"].name,
        "submission_id": world["worse"].id,
        "submission_name": "worse",
    }
    # The chosen one competes, even though the team has a better one.
    assert competition(client, world) == [("middle", "best"), ("worse", "chosen")]

    # Any member of the team may change the choice.
    mate_headers = api_headers(session, world["mate"])
    response = client.put(
        selection_url(world), json={"submission_id": world["better"].id}, headers=mate_headers
    )
    assert response.status_code == 200
    assert client.get(selection_url(world), headers=headers).json()["submission_name"] == "better"
    assert competition(client, world) == [("better", "chosen"), ("middle", "best")]

    # null goes back to the best public submission.
    response = client.put(selection_url(world), json={"submission_id": None}, headers=headers)
    assert response.json()["submission_id"] is None
    assert competition(client, world) == [("better", "best"), ("middle", "best")]


def test_choose_from_the_pages(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    login(client, world["owner"])
    worse = world["worse"]
    page = client.get(f"/submissions/{worse.id}")
    assert 'id="choose-form"' in page.text
    assert 'id="choose-form"' not in client.get(f"/submissions/{world['failed'].id}").text
    response = post_form(
        client,
        f"/events/{world['event'].name}/team/selected-submission",
        {"submission_id": str(worse.id), "next": f"/submissions/{worse.id}"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/submissions/{worse.id}"
    session.refresh(world["ours"])
    assert world["ours"].selected_submission_id == worse.id
    assert "competition entry" in client.get(f"/submissions/{worse.id}").text
    listing = client.get(f"/events/{world['event'].name}/submissions").text
    assert "★ chosen" in listing
    board = client.get(f"/events/{world['event'].name}/leaderboard?kind=competition").text
    assert "★ chosen" in board and "best public" in board

    # Back to the best one; an outside `next` is not followed.
    response = post_form(
        client,
        f"/events/{world['event'].name}/team/selected-submission",
        {"submission_id": "", "next": "//evil.example"},
    )
    assert response.headers["location"] == f"/events/{world['event'].name}/submissions"
    session.refresh(world["ours"])
    assert world["ours"].selected_submission_id is None


def test_refuses_another_teams_submission(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    headers = api_headers(session, world["owner"])
    response = client.put(
        selection_url(world), json={"submission_id": world["middle"].id}, headers=headers
    )
    assert response.status_code == 403
    assert "your own team" in response.json()["detail"]
    # A submission of another event is simply not found.
    elsewhere = create_submission(session, event=create_event(session), name="elsewhere")
    response = client.put(
        selection_url(world), json={"submission_id": elsewhere.id}, headers=headers
    )
    assert response.status_code == 404
    session.refresh(world["ours"])
    assert world["ours"].selected_submission_id is None


def test_refuses_a_submission_that_is_not_scored(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    headers = api_headers(session, world["owner"])
    response = client.put(
        selection_url(world), json={"submission_id": world["failed"].id}, headers=headers
    )
    assert response.status_code == 409
    assert "failed" in response.json()["detail"]


def test_refuses_after_the_event_closes(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    world["event"].closes_at = utcnow() - timedelta(minutes=1)
    session.flush()
    headers = api_headers(session, world["owner"])
    response = client.put(
        selection_url(world), json={"submission_id": world["worse"].id}, headers=headers
    )
    assert response.status_code == 403
    assert "closed" in response.json()["detail"]
    login(client, world["owner"])
    assert 'id="choose-form"' not in client.get(f"/submissions/{world['worse'].id}").text


def test_who_may_choose(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    body = {"submission_id": world["worse"].id}
    # Anonymous: refused (the CSRF check comes first, then the sign-in one).
    assert client.put(selection_url(world), json=body).status_code in (401, 403)
    assert client.get(selection_url(world)).status_code == 401
    # A signed-in browser session needs the CSRF token.
    login(client, world["owner"])
    assert client.put(selection_url(world), json=body).status_code == 403
    client.cookies.clear()
    # Organisers and admins without a team in the event have nothing to choose for.
    organiser = create_user(session, role=UserRole.ORGANISER)
    session.add(EventOrganiser(event_id=world["event"].id, user_id=organiser.id))
    admin = create_user(session, role=UserRole.ADMIN)
    for user in (organiser, admin, create_user(session)):
        headers = api_headers(session, user)
        assert client.put(selection_url(world), json=body, headers=headers).status_code in (
            403,
            404,
        )
    session.refresh(world["ours"])
    assert world["ours"].selected_submission_id is None


def test_a_chosen_submission_that_is_no_longer_scored_falls_back_to_the_best(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    team: Team = world["ours"]
    team.selected_submission_id = world["worse"].id
    world["worse"].state = SubmissionState.QUEUED  # re-run by an organiser
    session.flush()
    assert competition(client, world) == [("better", "best"), ("middle", "best")]
    # Deleting the chosen submission clears the choice (ON DELETE SET NULL).
    session.delete(world["worse"])
    session.flush()
    session.refresh(team)
    assert team.selected_submission_id is None


def test_a_choice_invalidates_the_cached_boards(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    before = leaderboards_repository.board_version(session, event_id=world["event"].id)
    world["ours"].selected_submission_id = world["worse"].id
    session.flush()
    after = leaderboards_repository.board_version(session, event_id=world["event"].id)
    assert after != before
