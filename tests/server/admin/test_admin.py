"""Admins manage roles; the first start bootstraps kits, events and an admin."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.admin.service import bootstrap
from server.models import Event, Problem, User, UserRole
from tests.factories import create_user
from tests.server.conftest import login, post_form


def test_admin_grants_the_organiser_role(client: TestClient, session: Session) -> None:
    admin = create_user(session, role=UserRole.ADMIN)
    user = create_user(session)
    login(client, admin)
    assert user.username in client.get("/admin/users").text
    response = post_form(client, f"/admin/users/{user.id}/role", {"role": "organiser"})
    assert response.status_code == 303
    session.refresh(user)
    assert user.role is UserRole.ORGANISER
    refused = post_form(client, f"/admin/users/{admin.id}/role", {"role": "participant"})
    assert refused.status_code == 403
    bad = post_form(client, f"/admin/users/{user.id}/role", {"role": "emperor"})
    assert bad.status_code == 422


def test_bootstrap_creates_kits_events_and_one_admin_once(session: Session) -> None:
    session.query(User).filter(User.role == UserRole.ADMIN).delete()
    first = bootstrap(session=session)
    assert first.admin_password
    assert {"iris", "titanic"} <= {p.name for p in session.query(Problem)}
    events = {e.name: e for e in session.query(Event).filter(Event.name.in_(["iris", "titanic"]))}
    assert set(events) == {"iris", "titanic"}
    admin = session.query(User).filter_by(role=UserRole.ADMIN).one()
    assert admin.check_password(first.admin_password)
    second = bootstrap(session=session)
    assert second.admin_password is None and second.problems == [] and second.events == []
