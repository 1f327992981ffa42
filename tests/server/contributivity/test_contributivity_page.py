"""The contributivity page and API: who sees what of the event's blend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.models import EventOrganiser, FailureKind, SubmissionState, utcnow
from tests.factories import create_submission, create_user
from tests.server.conftest import api_headers, join, login

from .conftest import SharedEvent, make_shared_event


def test_anyone_who_sees_the_leaderboard_sees_each_share_and_the_blend_scores(
    client: TestClient, session: Session, shared: SharedEvent
) -> None:
    excluded = create_submission(
        session, event=shared.event, name="excluded_sub", state=SubmissionState.SCORED,
        is_excluded=True,
    )  # fmt: skip
    failed = create_submission(session, event=shared.event, name="failed_sub")
    failed.state, failed.failure_kind = SubmissionState.FAILED, FailureKind.IMPORT_ERROR
    session.flush()
    assert excluded.id and failed.id

    board = client.get(f"/api/events/{shared.event.name}/contributivity").json()

    assert [row["submission_name"] for row in board["rows"]] == [
        "bob_sub",
        "carol_sub",
        "alice_sub",
    ]
    assert [row["contributivity"] for row in board["rows"]] == [0.5, 0.3, 0.2]
    assert board["rows"][0]["valid_score"] == pytest.approx(0.95)
    assert board["official_score"] == "accuracy" and board["lower_is_better"] is False
    assert board["combined"]["valid"] == {"accuracy": 0.97, "error": 0.03}
    assert board["foldwise_best"]["valid"]["accuracy"] == 0.955
    # Test scores are private until the event closes.
    assert board["combined"]["test"] == {} and board["foldwise_best"]["test"] == {}

    page = client.get(f"/events/{shared.event.name}/contributivity")
    assert page.status_code == 200
    assert "50.0 %" in page.text and "30.0 %" in page.text and "20.0 %" in page.text
    assert "0.9700" in page.text and "0.9550" in page.text
    assert "0.9600" not in page.text  # the combined test score
    assert "excluded_sub" not in page.text and "failed_sub" not in page.text


def test_test_scores_of_the_blend_show_once_the_event_closes_or_to_organisers(
    client: TestClient, session: Session
) -> None:
    closed = make_shared_event(session)
    closed.event.closes_at = utcnow() - timedelta(minutes=1)
    session.flush()
    board = client.get(f"/api/events/{closed.event.name}/contributivity").json()
    assert board["combined"]["test"] == {"accuracy": 0.96, "error": 0.04}
    assert board["foldwise_best"]["test"]["accuracy"] == 0.94

    running = make_shared_event(session)
    organiser = create_user(session)
    session.add(EventOrganiser(event_id=running.event.id, user_id=organiser.id))
    session.flush()
    as_organiser = client.get(
        f"/api/events/{running.event.name}/contributivity",
        headers=api_headers(session, organiser),
    ).json()
    assert as_organiser["combined"]["test"]["accuracy"] == 0.96


def test_a_private_event_shows_its_contributivity_to_participants_only(
    client: TestClient, make_client: Callable[[], TestClient], session: Session
) -> None:
    private = make_shared_event(session, is_public=False)
    url = f"/api/events/{private.event.name}/contributivity"

    assert client.get(url).status_code == 404
    assert client.get(f"/events/{private.event.name}/contributivity").status_code == 404
    outsider = create_user(session)
    assert client.get(url, headers=api_headers(session, outsider)).status_code == 404
    assert client.get(url, headers=api_headers(session, private.carol)).status_code == 200
    page = login(make_client(), private.carol).get(f"/events/{private.event.name}/contributivity")
    assert page.status_code == 200 and "bob_sub" in page.text


def test_an_event_never_blended_says_so(client: TestClient, session: Session) -> None:
    from server.models import EventBlend

    shared = make_shared_event(session)
    session.query(EventBlend).filter_by(event_id=shared.event.id).delete()
    join(session, shared.event, create_user(session))
    session.flush()

    board = client.get(f"/api/events/{shared.event.name}/contributivity").json()
    page = client.get(f"/events/{shared.event.name}/contributivity")

    assert board["computed_at"] is None and board["combined"]["valid"] == {}
    assert "No blend yet" in page.text
