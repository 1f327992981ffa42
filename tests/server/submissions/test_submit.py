"""Submitting from the browser and the API: accepted, queued after commit, or refused
with a clear message while the editor keeps the code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import Submission, SubmissionState, utcnow
from server.submissions.queue import RecordingQueue
from tests.factories import create_event, create_submission, create_user
from tests.server.conftest import api_headers, iris_problem, join, login, post_form

CODE = (
    "from sklearn.ensemble import RandomForestClassifier\n\n\n"
    "def get_estimator():\n    return RandomForestClassifier(n_estimators=7)\n"
)


@pytest.fixture
def event(session: Session):  # type: ignore[no-untyped-def]
    return create_event(session, problem=iris_problem(session), min_seconds_between_submissions=0)


@pytest.fixture
def participant(client: TestClient, session: Session, event):  # type: ignore[no-untyped-def]
    user = create_user(session)
    join(session, event, user)
    login(client, user)
    return user


def count_submissions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Submission)) or 0


def test_sandbox_starts_from_the_starting_kit_then_from_the_last_submission(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
) -> None:
    page = client.get(f"/events/{event.name}/sandbox")
    assert page.status_code == 200
    assert 'name="file:estimator.py"' in page.text
    assert "def get_estimator" in page.text
    post_form(client, f"/events/{event.name}/sandbox", {"name": "rf", "file:estimator.py": CODE})
    assert "n_estimators=7" in client.get(f"/events/{event.name}/sandbox").text


def test_browser_submission_is_queued_and_enqueued_after_commit(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
    task_queue: RecordingQueue,
) -> None:
    response = post_form(
        client, f"/events/{event.name}/sandbox", {"name": "forest", "file:estimator.py": CODE}
    )
    assert response.status_code == 303
    submission = session.scalar(select(Submission).where(Submission.name == "forest"))
    assert submission is not None and submission.state is SubmissionState.QUEUED
    assert task_queue.enqueued == [submission.id]
    assert response.headers["location"] == f"/submissions/{submission.id}"
    page = client.get(f"/submissions/{submission.id}")
    assert "queued" in page.text and "position 1 in the queue" in page.text


def test_upload_path_replaces_the_editor_file(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
) -> None:
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        f"/events/{event.name}/sandbox",
        data={"name": "uploaded", "file:estimator.py": "", "csrf_token": token},
        files=[("uploads", ("estimator.py", CODE.encode(), "text/x-python"))],
    )
    assert response.status_code == 303
    submission = session.scalar(select(Submission).where(Submission.name == "uploaded"))
    assert submission is not None


def upload(client: TestClient, event_name: str, files: list[tuple[str, bytes]], name: str = "x"):  # type: ignore[no-untyped-def]
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(
        f"/events/{event_name}/sandbox",
        data={
            "name": name,
            "file:estimator.py": CODE + "# kept in the editor\n",
            "csrf_token": token,
        },
        files=[
            ("uploads", (file_name, data, "application/octet-stream")) for file_name, data in files
        ],
    )


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        ([("estimator.py", b"\x89PNG\r\n\x1a\n\x00\x00")], 422, "not a UTF-8 text file"),
        ([("../../etc/passwd", b"x = 1\n")], 422, "cannot contain folders"),
        ([("..", b"x = 1\n")], 422, "cannot contain folders"),
        ([("helper.py", b"a = 1\n"), ("helper.py", b"a = 2\n")], 422, "Two files are named"),
        ([("estimator.py", b"# " + b"x" * 1_100_000)], 413, "larger than the limit"),
    ],
)
def test_bad_uploads_are_refused_and_the_editor_keeps_the_code(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
    files: list[tuple[str, bytes]],
    status: int,
    message: str,
) -> None:
    response = upload(client, event.name, files)
    assert response.status_code == status, response.text
    assert message in response.text
    assert "# kept in the editor" in response.text
    assert count_submissions(session) == 0


def test_missing_workflow_file_and_bad_name_are_refused(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
) -> None:
    empty = post_form(
        client, f"/events/{event.name}/sandbox", {"name": "empty", "file:estimator.py": "   "}
    )
    assert empty.status_code == 422 and "Missing or empty: estimator.py" in empty.text
    bad_name = post_form(
        client, f"/events/{event.name}/sandbox", {"name": "../x", "file:estimator.py": CODE}
    )
    assert bad_name.status_code == 422 and "Name your submission" in bad_name.text
    assert CODE.splitlines()[0] in bad_name.text
    assert count_submissions(session) == 0


def test_duplicate_name_and_identical_code_are_refused(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
) -> None:
    post_form(client, f"/events/{event.name}/sandbox", {"name": "one", "file:estimator.py": CODE})
    again = post_form(
        client,
        f"/events/{event.name}/sandbox",
        {"name": "one", "file:estimator.py": CODE + "\n# v2\n"},
    )
    assert again.status_code == 409 and "already has a submission named &#39;one&#39;" in again.text
    same = post_form(
        client, f"/events/{event.name}/sandbox", {"name": "two", "file:estimator.py": CODE}
    )
    assert same.status_code == 409 and "identical to your submission" in same.text


def test_minimum_delay_between_submissions(
    client: TestClient,
    session: Session,
    participant,  # type: ignore[no-untyped-def]
) -> None:
    event = create_event(
        session, problem=iris_problem(session), min_seconds_between_submissions=600
    )
    join(session, event, participant)
    assert (
        post_form(
            client, f"/events/{event.name}/sandbox", {"name": "a", "file:estimator.py": CODE}
        ).status_code
        == 303
    )
    too_soon = post_form(
        client, f"/events/{event.name}/sandbox", {"name": "b", "file:estimator.py": CODE + "#2\n"}
    )
    assert too_soon.status_code == 425
    assert "Please wait" in too_soon.text and "#2" in too_soon.text


def test_daily_quota(client: TestClient, session: Session, participant) -> None:  # type: ignore[no-untyped-def]
    event = create_event(
        session,
        problem=iris_problem(session),
        min_seconds_between_submissions=0,
        daily_submission_quota=1,
    )
    team = join(session, event, participant)
    create_submission(session, team=team)
    refused = post_form(
        client, f"/events/{event.name}/sandbox", {"name": "b", "file:estimator.py": CODE}
    )
    assert refused.status_code == 429 and "submissions for today" in refused.text


def test_event_must_be_open_and_the_user_registered(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
) -> None:
    upcoming = create_event(
        session,
        problem=iris_problem(session),
        opens_at=utcnow() + timedelta(days=1),
        closes_at=utcnow() + timedelta(days=2),
    )
    join(session, upcoming, participant)
    early = post_form(
        client, f"/events/{upcoming.name}/sandbox", {"name": "a", "file:estimator.py": CODE}
    )
    assert early.status_code == 425 and "opens on" in early.text
    closed = create_event(
        session,
        problem=iris_problem(session),
        opens_at=utcnow() - timedelta(days=3),
        closes_at=utcnow() - timedelta(days=1),
    )
    join_closed = post_form(client, f"/api/events/{closed.name}/join")
    assert join_closed.status_code == 403
    stranger = create_event(session, problem=iris_problem(session))
    response = client.post(
        f"/api/events/{stranger.name}/submissions",
        headers=api_headers(session, participant),
        json={"name": "a", "files": {"estimator.py": CODE}},
    )
    assert response.status_code == 403 and "Join this event" in response.json()["detail"]
    assert count_submissions(session) == 0


def test_api_submit_follow_and_cancel(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
    task_queue: RecordingQueue,
) -> None:
    headers = api_headers(session, participant)
    created = client.post(
        f"/api/events/{event.name}/submissions",
        headers=headers,
        json={"name": "api_rf", "files": {"estimator.py": CODE}},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["state"] == "queued" and body["queue_position"] == 1
    listed = client.get(f"/api/events/{event.name}/submissions", headers=headers).json()
    assert [s["name"] for s in listed] == ["api_rf"]
    cancelled = client.post(f"/api/submissions/{body['id']}/cancel", headers=headers)
    assert cancelled.json()["state"] == "cancelled"
    assert task_queue.cancelled == [body["id"]]
    again = client.post(f"/api/submissions/{body['id']}/cancel", headers=headers)
    assert again.status_code == 409


def test_session_api_calls_need_the_csrf_header(
    client: TestClient,
    session: Session,
    event,
    participant,  # type: ignore[no-untyped-def]
) -> None:
    response = client.post(
        f"/api/events/{event.name}/submissions", json={"name": "x", "files": {"estimator.py": CODE}}
    )
    assert response.status_code == 403
