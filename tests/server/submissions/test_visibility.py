"""Who sees what of a submission: its team and organisers everything (test scores only
after closing for the team), others its code only in the collaborative phase."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import (
    CodeAccess,
    CodeAccessKind,
    EventOrganiser,
    FailureKind,
    SubmissionState,
    UserRole,
    utcnow,
)
from tests.factories import create_event, create_submission, create_user
from tests.server.conftest import api_headers, iris_problem, join, login, post_form, score

SECRET_CODE = "def get_estimator():\n    return 'secret sauce'\n"


@pytest.fixture
def world(session: Session):  # type: ignore[no-untyped-def]
    """An event, a scored submission by `owner`, and one user of each other role."""
    event = create_event(session, problem=iris_problem(session))
    owner, rival = create_user(session), create_user(session)
    team = join(session, event, owner)
    join(session, event, rival)
    submission = create_submission(
        session, team=team, name="mine", files={"estimator.py": SECRET_CODE}
    )
    score(
        session,
        submission,
        valid={"accuracy": 0.9, "error": 0.1},
        test={"accuracy": 0.777, "error": 0.223},
    )
    submission.failure_log = "TRAINING LOG LINE"
    organiser = create_user(session, role=UserRole.ORGANISER)
    session.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    session.flush()
    return {
        "event": event,
        "submission": submission,
        "owner": owner,
        "rival": rival,
        "organiser": organiser,
        "admin": create_user(session, role=UserRole.ADMIN),
        "outsider": create_user(session),
    }


def get(client: TestClient, session: Session, user, path: str):  # type: ignore[no-untyped-def]
    headers = api_headers(session, user) if user is not None else {}
    return client.get(path, headers=headers)


def test_before_the_public_phase_only_the_team_and_organisers_see_it(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    path = f"/api/submissions/{world['submission'].id}"
    for role in ("rival", "outsider"):
        assert get(client, session, world[role], path).status_code == 404, role
    assert get(client, session, None, path).status_code == 401
    owner_view = get(client, session, world["owner"], path).json()
    assert owner_view["failure_log"] == "TRAINING LOG LINE"
    assert owner_view["valid_scores"]["accuracy"] == 0.9
    # The private test scores wait for the closing, for the team too.
    assert owner_view["test_scores"] == {}
    assert all(fold["test_scores"] == {} for fold in owner_view["folds"])
    for role in ("organiser", "admin"):
        view = get(client, session, world[role], path).json()
        assert view["test_scores"]["accuracy"] == 0.777, role
        assert view["failure_log"] == "TRAINING LOG LINE"


def test_pages_hide_code_and_private_scores_too(
    client: TestClient,
    make_client,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    sid = world["submission"].id
    rival = login(make_client(), world["rival"])
    for path in (f"/submissions/{sid}", f"/submissions/{sid}/code"):
        response = rival.get(path)
        assert response.status_code == 404
        assert "secret sauce" not in response.text
    owner_page = login(client, world["owner"]).get(f"/submissions/{sid}")
    assert "secret sauce" in owner_page.text and "0.7770" not in owner_page.text
    assert rival.get(f"/events/{world['event'].name}/sandbox?import_from={sid}").status_code == 404


def test_in_the_public_phase_participants_read_and_import_code_and_it_is_recorded(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    event, sid = world["event"], world["submission"].id
    event.public_opens_at = utcnow() - timedelta(minutes=1)
    session.flush()
    login(client, world["rival"])
    code_page = client.get(f"/submissions/{sid}/code")
    assert code_page.status_code == 200 and "secret sauce" in code_page.text
    detail = client.get(f"/api/submissions/{sid}").json()
    assert detail["failure_log"] is None  # the log stays the team's
    assert detail["test_scores"] == {}
    sandbox = client.get(f"/events/{event.name}/sandbox?import_from={sid}")
    assert sandbox.status_code == 200 and "secret sauce" in sandbox.text
    kinds = session.scalars(select(CodeAccess.kind).where(CodeAccess.submission_id == sid)).all()
    assert sorted(kinds) == sorted([CodeAccessKind.VIEW, CodeAccessKind.IMPORT])
    # Someone who did not join the event still sees nothing.
    assert get(client, session, world["outsider"], f"/api/submissions/{sid}").status_code == 404


def test_after_closing_the_team_sees_its_test_scores(
    client: TestClient,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    event = world["event"]
    event.closes_at = utcnow() - timedelta(minutes=1)
    session.flush()
    view = get(client, session, world["owner"], f"/api/submissions/{world['submission'].id}")
    assert view.json()["test_scores"]["accuracy"] == 0.777


def test_only_team_or_organisers_cancel_and_only_organisers_rerun(
    client: TestClient,
    make_client,
    session: Session,
    world,  # type: ignore[no-untyped-def]
) -> None:
    event = world["event"]
    queued = create_submission(
        session,
        team=world["submission"].team,
        name="waiting",
        state=SubmissionState.QUEUED,
        queued_at=utcnow(),
    )
    rival_headers = api_headers(session, world["rival"])
    assert (
        client.post(f"/api/submissions/{queued.id}/cancel", headers=rival_headers).status_code
        == 404
    )
    owner = login(make_client(), world["owner"])
    assert post_form(owner, f"/submissions/{world['submission'].id}/rerun").status_code == 403
    organiser = login(make_client(), world["organiser"])
    assert post_form(organiser, f"/submissions/{queued.id}/cancel").status_code == 303
    session.refresh(queued)
    assert queued.state is SubmissionState.CANCELLED
    assert queued.failure_kind is FailureKind.CANCELLED
    assert post_form(organiser, f"/submissions/{queued.id}/rerun").status_code == 303
    session.refresh(queued)
    assert queued.state is SubmissionState.QUEUED and queued.failure_kind is None
    manage = organiser.get(f"/events/{event.name}/manage")
    assert "waiting" in manage.text and "mine" in manage.text
