"""Organisers exclude a submission from the blend (and include it again); the event is
blended again once the change is committed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from server.models import EventOrganiser, Submission, UserRole
from server.submissions import service
from server.submissions.queue import CallableQueue, RecordingQueue
from tests.factories import create_event, create_submission, create_user
from tests.server.conftest import api_headers, iris_problem, join, login, post_form, score


@pytest.fixture
def world(session: Session):  # type: ignore[no-untyped-def]
    """An event with one scored submission by `owner`, and its organiser."""
    event = create_event(session, problem=iris_problem(session))
    owner = create_user(session)
    team = join(session, event, owner)
    submission = create_submission(session, team=team, name="mine")
    score(session, submission, valid={"accuracy": 0.9, "error": 0.1})
    organiser = create_user(session, role=UserRole.ORGANISER)
    session.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    session.flush()
    return {"event": event, "submission": submission, "owner": owner, "organiser": organiser}


def test_organiser_excludes_then_includes_from_the_submission_page(
    make_client,
    session: Session,
    world,
    task_queue: RecordingQueue,  # type: ignore[no-untyped-def]
) -> None:
    submission: Submission = world["submission"]
    organiser = login(make_client(), world["organiser"])
    page = organiser.get(f"/submissions/{submission.id}")
    assert f'action="/submissions/{submission.id}/exclude"' in page.text

    response = post_form(organiser, f"/submissions/{submission.id}/exclude")
    assert response.status_code == 303
    session.refresh(submission)
    assert submission.is_excluded
    assert task_queue.blends_requested == [world["event"].id]
    page = organiser.get(f"/submissions/{submission.id}")
    assert f'action="/submissions/{submission.id}/include"' in page.text

    assert post_form(organiser, f"/submissions/{submission.id}/include").status_code == 303
    session.refresh(submission)
    assert not submission.is_excluded
    assert task_queue.blends_requested == [world["event"].id] * 2


def test_json_route_sets_the_flag_and_a_repeat_requests_no_new_blend(
    client: TestClient,
    session: Session,
    world,
    task_queue: RecordingQueue,  # type: ignore[no-untyped-def]
) -> None:
    submission: Submission = world["submission"]
    headers = api_headers(session, world["organiser"])
    url = f"/api/submissions/{submission.id}/exclusion"
    response = client.put(url, json={"excluded": True}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["is_excluded"] is True
    assert client.put(url, json={"excluded": True}, headers=headers).status_code == 200
    assert task_queue.blends_requested == [world["event"].id]
    response = client.put(url, json={"excluded": False}, headers=headers)
    assert response.json()["is_excluded"] is False
    assert task_queue.blends_requested == [world["event"].id] * 2


def test_admin_may_exclude(
    client: TestClient,
    session: Session,
    world,
    task_queue: RecordingQueue,  # type: ignore[no-untyped-def]
) -> None:
    admin = create_user(session, role=UserRole.ADMIN)
    response = client.put(
        f"/api/submissions/{world['submission'].id}/exclusion",
        json={"excluded": True},
        headers=api_headers(session, admin),
    )
    assert response.status_code == 200
    assert task_queue.blends_requested == [world["event"].id]


def test_participants_may_not_exclude(
    client: TestClient,
    make_client,
    session: Session,
    world,
    task_queue: RecordingQueue,  # type: ignore[no-untyped-def]
) -> None:
    submission: Submission = world["submission"]
    url = f"/api/submissions/{submission.id}/exclusion"
    owner_headers = api_headers(session, world["owner"])
    assert client.put(url, json={"excluded": True}, headers=owner_headers).status_code == 403
    owner = login(make_client(), world["owner"])
    assert "/exclude" not in owner.get(f"/submissions/{submission.id}").text
    assert post_form(owner, f"/submissions/{submission.id}/exclude").status_code == 403
    # Someone outside the team does not even learn that the submission exists.
    rival = create_user(session)
    join(session, world["event"], rival)
    rival_headers = api_headers(session, rival)
    assert client.put(url, json={"excluded": True}, headers=rival_headers).status_code == 404
    session.refresh(submission)
    assert not submission.is_excluded
    assert task_queue.blends_requested == []


def test_the_blend_is_requested_only_once_the_change_is_committed(
    session_factory: sessionmaker[Session],
    world,  # type: ignore[no-untyped-def]
) -> None:
    queue = RecordingQueue()
    with session_factory() as session:
        submission, seen = service.get_submission(
            session=session, submission_id=world["submission"].id, user=world["organiser"]
        )
        service.set_excluded(
            session=session, queue=queue, submission=submission, seen=seen, excluded=True
        )
        assert queue.blends_requested == []
        session.rollback()
    assert queue.blends_requested == []  # rolled back: nothing to blend again

    with session_factory() as session:
        submission, seen = service.get_submission(
            session=session, submission_id=world["submission"].id, user=world["organiser"]
        )
        service.set_excluded(
            session=session, queue=queue, submission=submission, seen=seen, excluded=True
        )
        assert queue.blends_requested == []
        session.commit()
    assert queue.blends_requested == [world["event"].id]


def test_callable_queue_hands_blend_requests_to_the_given_function() -> None:
    requested: list[int] = []
    queue = CallableQueue(enqueue=lambda *args, **kwargs: None, blend_function=requested.append)
    queue.request_blend(7)
    assert requested == [7]
    CallableQueue(enqueue=lambda *args, **kwargs: None).request_blend(7)  # none given: no-op


def test_celery_queue_sends_the_blend_task_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.submissions.queue import CeleryQueue

    queue = CeleryQueue("memory://")
    sent: list[tuple[str, object, object]] = []
    monkeypatch.setattr(
        queue._celery,
        "send_task",
        lambda name, args=None, queue=None, **_: sent.append((name, args, queue)),
    )
    queue.request_blend(7)
    # worker/blending_task.py: blend_event(event_id, token), on the cpu queue; an empty
    # token blends once, without Redis coalescing.
    assert sent == [("ramplab.blend_event", [7, ""], "cpu")]
