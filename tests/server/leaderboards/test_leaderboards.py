"""Leaderboards: ordering in each score's direction, private scores kept until closing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.models import EventOrganiser, UserRole, utcnow
from tests.factories import create_event, create_submission, create_user
from tests.server.conftest import api_headers, iris_problem, join, login, score


def make_board(session: Session, **event_fields):  # type: ignore[no-untyped-def]
    """An event with three scored submissions: b is best on valid, c on test."""
    event = create_event(session, problem=iris_problem(session), **event_fields)
    entries = {
        "a": ({"accuracy": 0.80, "error": 0.20}, {"accuracy": 0.79, "error": 0.21}),
        "b": ({"accuracy": 0.95, "error": 0.05}, {"accuracy": 0.85, "error": 0.15}),
        "c": ({"accuracy": 0.90, "error": 0.10}, {"accuracy": 0.93, "error": 0.07}),
    }
    for name, (valid, test) in entries.items():
        team = join(session, event, create_user(session, username=f"team_{name}_{event.id}"))
        submission = create_submission(session, team=team, name=f"sub_{name}")
        score(session, submission, valid=valid, test=test)
    failed = create_submission(session, event=event, name="broken")
    from server.models import FailureKind, SubmissionState

    failed.state, failed.failure_kind = SubmissionState.FAILED, FailureKind.IMPORT_ERROR
    failed.failure_log = "SECRET TRACEBACK"
    session.flush()
    return event


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row["submission_name"] for row in response.json()["rows"]]


def test_public_board_ranks_by_official_score_and_sorts_in_each_direction(
    client: TestClient, session: Session
) -> None:
    event = make_board(session)
    url = f"/api/events/{event.name}/leaderboard"
    assert names(client.get(url)) == ["sub_b", "sub_c", "sub_a"]
    # error is lower-is-better: sorting by it puts the smallest error first.
    by_error = client.get(url, params={"sort": "error"})
    assert names(by_error) == ["sub_b", "sub_c", "sub_a"]
    assert [r["scores"]["error"] for r in by_error.json()["rows"]] == [0.05, 0.10, 0.20]
    worst_first = client.get(url, params={"sort": "accuracy", "descending": "false"})
    assert names(worst_first) == ["sub_a", "sub_c", "sub_b"]
    assert client.get(url, params={"sort": "nope"}).status_code == 422
    page = client.get(f"/events/{event.name}/leaderboard")
    assert page.text.index("sub_b") < page.text.index("sub_c") < page.text.index("sub_a")


def test_api_board_carries_every_field_of_the_board(client: TestClient, session: Session) -> None:
    event = make_board(session)
    url = f"/api/events/{event.name}/leaderboard"
    board = client.get(url, params={"kind": "competition"}).json()
    assert {key: board[key] for key in ("event_name", "kind", "total", "page", "pages")} == {
        "event_name": event.name,
        "kind": "competition",
        "total": 3,
        "page": 1,
        "pages": 1,
    }
    assert board["official_score"] == "accuracy"
    assert board["columns"][0] == {"name": "accuracy", "precision": 4, "lower_is_better": False}
    first = board["rows"][0]
    assert set(first) == {
        "rank",
        "submission_id",
        "submission_name",
        "team_name",
        "submitted_at",
        "scores",
        "train_seconds",
        "valid_seconds",
        "move",
        "failure_kind",
        "contributivity",
        "historical_contributivity",
        "entry",
    }
    assert (first["rank"], first["submission_name"], first["entry"]) == (1, "sub_b", "best")
    assert first["scores"] == {"accuracy": 0.95, "error": 0.05}
    assert first["team_name"].startswith("team_b") and "T" in first["submitted_at"]
    assert client.get(url, params={"page": 2}).json()["rows"] == []


def test_official_score_chosen_by_the_event_sets_the_ranking(
    client: TestClient, session: Session
) -> None:
    event = make_board(session, official_score_name="error")
    board = client.get(f"/api/events/{event.name}/leaderboard").json()
    assert board["official_score"] == "error"
    assert board["columns"][0]["lower_is_better"] is True
    assert [r["submission_name"] for r in board["rows"]] == ["sub_b", "sub_c", "sub_a"]


def test_private_board_is_hidden_from_participants_until_closing(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = make_board(session)
    participant = create_user(session)
    join(session, event, participant)
    url = f"/api/events/{event.name}/leaderboard?kind=private"
    assert client.get(url).status_code == 403
    assert client.get(url, headers=api_headers(session, participant)).status_code == 403
    login(client, participant)
    page = client.get(f"/events/{event.name}/leaderboard?kind=private")
    assert page.status_code == 403 and "revealed when the event closes" in page.text
    assert "0.93" not in page.text
    # Organisers see it at any time.
    organiser = create_user(session, role=UserRole.ORGANISER)
    session.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    session.flush()
    board = make_client().get(url, headers=api_headers(session, organiser))
    assert board.status_code == 200


def test_private_board_after_closing_shows_test_scores_and_moves(
    client: TestClient, session: Session
) -> None:
    event = make_board(session)
    event.closes_at = utcnow() - timedelta(minutes=1)
    event.opens_at = utcnow() - timedelta(days=2)
    session.flush()
    board = client.get(f"/api/events/{event.name}/leaderboard?kind=private").json()
    rows = {row["submission_name"]: row for row in board["rows"]}
    assert [row["submission_name"] for row in board["rows"]] == ["sub_c", "sub_b", "sub_a"]
    assert rows["sub_c"]["move"] == 1 and rows["sub_b"]["move"] == -1
    assert rows["sub_c"]["scores"]["accuracy"] == 0.93


def test_competition_board_keeps_each_teams_best(client: TestClient, session: Session) -> None:
    event = make_board(session)
    team = join(session, event, create_user(session))
    worse = create_submission(session, team=team, name="worse")
    score(session, worse, valid={"accuracy": 0.5, "error": 0.5})
    better = create_submission(session, team=team, name="better")
    score(session, better, valid={"accuracy": 0.92, "error": 0.08})
    rows = client.get(f"/api/events/{event.name}/leaderboard?kind=competition").json()["rows"]
    assert [r["submission_name"] for r in rows] == ["sub_b", "better", "sub_c", "sub_a"]


def test_failed_board_lists_failures_without_their_logs(
    client: TestClient, session: Session
) -> None:
    event = make_board(session)
    response = client.get(f"/api/events/{event.name}/leaderboard?kind=failed")
    assert names(response) == ["broken"]
    assert response.json()["rows"][0]["failure_kind"] == "import_error"
    assert "SECRET TRACEBACK" not in response.text
    page = client.get(f"/events/{event.name}/leaderboard?kind=failed")
    assert "broken" in page.text and "SECRET TRACEBACK" not in page.text


def test_csv_export_is_for_organisers(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = make_board(session)
    participant = create_user(session)
    join(session, event, participant)
    login(client, participant)
    assert client.get(f"/events/{event.name}/leaderboard.csv").status_code == 403
    admin = login(make_client(), create_user(session, role=UserRole.ADMIN))
    response = admin.get(f"/events/{event.name}/leaderboard.csv?kind=private")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["submission"] for row in rows] == ["sub_c", "sub_b", "sub_a"]
    assert rows[0]["accuracy"] == "0.93"


def test_cached_board_follows_new_scores(session: Session) -> None:
    import time

    from server.leaderboards.service import build_leaderboard

    event = make_board(session)

    def top() -> list[str]:
        board = build_leaderboard(
            session=session, event=event, user=None, kind="public", cache_seconds=0.05
        )
        return [row.submission_name for row in board.rows]

    assert top() == ["sub_b", "sub_c", "sub_a"]
    newcomer = create_submission(session, event=event, name="newcomer")
    score(session, newcomer, valid={"accuracy": 0.99, "error": 0.01})
    time.sleep(0.06)
    assert top()[0] == "newcomer"
