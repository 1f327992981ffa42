"""Every route against every role: nobody gets a 5xx, nobody sees what is not theirs yet.

Roles: anonymous, a participant of another team (rival), the submission's participant
(owner), an organiser of the event, an admin. Routes are read from the app itself, so a
new route is covered the day it is added.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.models import EventOrganiser, EventRegistration, UserRole
from tests.factories import create_event, create_submission, create_user
from tests.server.conftest import csrf_token, iris_problem, join, login, score

SECRET_CODE = "return 'the secret sauce'"
SECRET_LOG = "A TRACEBACK ONLY THE TEAM SEES"
SECRET_TEST_SCORE = 0.123456

PUBLIC_ROUTES = {
    "/",
    "/events",
    "/events/{event_name}",
    "/events/{event_name}/starting-kit.zip",
    "/events/{event_name}/leaderboard",
    "/events/{event_name}/contributivity",
    "/problems",
    "/login",
    "/signup",
    "/password-reset",
    "/password-reset/{token}",
    "/api/health",
    "/api/events",
    "/api/events/{event_name}",
    "/api/problems",
    "/api/events/{event_name}/leaderboard",
    "/api/events/{event_name}/contributivity",
    "/api/token",
    "/logout",
}
ORGANISER_ROUTES = {
    "/events/{event_name}/manage",
    "/events/{event_name}/edit",
    "/events/{event_name}/registrations/{registration_id}",
    "/events/{event_name}/leaderboard.csv",
    "/submissions/{submission_id}/rerun",
    "/submissions/{submission_id}/exclude",
    "/submissions/{submission_id}/include",
    "/events/{event_name}/participants",
    "/events/{event_name}/organisers",
}
ADMIN_ROUTES = {"/admin/users", "/admin/users/{user_id}/role", "/admin/problems"}


def api_routes(routes: list[object]) -> list[APIRoute]:
    """The app's routes, looking inside included routers (FastAPI keeps them nested)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(api_routes(route.original_router.routes))
    return found


def routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in api_routes(app.routes):
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path))
    assert len(found) > 40
    return found


@pytest.fixture
def world(session: Session):  # type: ignore[no-untyped-def]
    event = create_event(session, problem=iris_problem(session), signup_needs_approval=False)
    owner, rival = create_user(session), create_user(session)
    team = join(session, event, owner)
    join(session, event, rival)
    submission = create_submission(
        session, team=team, files={"estimator.py": f"def get_estimator():\n    {SECRET_CODE}\n"}
    )
    score(
        session,
        submission,
        valid={"accuracy": 0.5, "error": 0.5},
        test={"accuracy": SECRET_TEST_SCORE, "error": 0.9},
    )
    submission.failure_log = SECRET_LOG
    organiser = create_user(session, role=UserRole.ORGANISER)
    session.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    pending = create_user(session)
    registration = EventRegistration(event_id=event.id, user_id=pending.id)
    session.add(registration)
    session.flush()
    return {
        "event": event,
        "submission": submission,
        "registration": registration,
        "users": {
            "anonymous": None,
            "rival": rival,
            "owner": owner,
            "organiser": organiser,
            "admin": create_user(session, role=UserRole.ADMIN),
        },
        "target_user": pending,
    }


def fill(path: str, world) -> str:  # type: ignore[no-untyped-def]
    values = {
        "event_name": world["event"].name,
        "submission_id": str(world["submission"].id),
        "registration_id": str(world["registration"].id),
        "user_id": str(world["target_user"].id),
        "token": "not-a-token",
        "invitation_id": "1",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


@pytest.mark.parametrize("role", ["anonymous", "rival", "owner", "organiser", "admin"])
def test_every_route_for_every_role(
    app: FastAPI,
    make_client,
    session: Session,
    world,
    role: str,  # type: ignore[no-untyped-def]
) -> None:
    client: TestClient = make_client()
    user = world["users"][role]
    if user is not None:
        login(client, user)
    token = csrf_token(client)
    for method, template in routes(app):
        if template == "/logout":
            continue  # would end the session the rest of the loop needs
        path = fill(template, world)
        if method == "GET":
            response = client.get(path)
        else:
            response = client.request(
                method, path, data={"csrf_token": token}, headers={"x-csrf-token": token}
            )
        where = f"{role} {method} {template} -> {response.status_code}"
        assert response.status_code < 500, where
        body = response.text
        if role in ("anonymous", "rival"):
            assert SECRET_CODE not in body, where
            assert SECRET_LOG not in body, where
        if role in ("anonymous", "rival", "owner"):
            assert str(SECRET_TEST_SCORE)[:6] not in body, where
        if role == "anonymous" and template not in PUBLIC_ROUTES:
            assert response.status_code in (303, 401, 403, 404, 422), where
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login"), where
        if role in ("rival", "owner") and template in ORGANISER_ROUTES | ADMIN_ROUTES:
            assert response.status_code in (403, 404), where
        if role == "organiser" and template in ADMIN_ROUTES:
            assert response.status_code == 403, where
