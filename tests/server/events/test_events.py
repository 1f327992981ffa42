"""Seeing events, joining them (with or without approval), the kit download, organising."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.models import EventRegistration, RegistrationStatus, UserRole, utcnow
from tests.factories import create_event, create_user
from tests.server.conftest import iris_problem, login, post_form


def test_anonymous_visitors_see_public_events_but_not_private_ones(
    client: TestClient, session: Session
) -> None:
    public = create_event(session, title="Open Iris")
    hidden = create_event(session, title="Secret Iris", is_public=False)
    listing = client.get("/events").text
    assert "Open Iris" in listing and "Secret Iris" not in listing
    assert client.get(f"/events/{public.name}").status_code == 200
    assert client.get(f"/events/{hidden.name}").status_code == 404
    assert client.get(f"/api/events/{hidden.name}").status_code == 404
    assert [e["name"] for e in client.get("/api/events").json()] == [public.name]


def test_joining_an_open_event_gives_a_one_person_team(
    client: TestClient, session: Session
) -> None:
    event = create_event(session)
    user = create_user(session, username="solo")
    login(client, user)
    response = post_form(client, f"/events/{event.name}/join")
    assert response.headers["location"] == f"/events/{event.name}/sandbox"
    page = client.get(f"/events/{event.name}").text
    assert "You take part as team <strong>solo</strong>" in page


def test_sign_up_needing_approval_waits_for_an_organiser(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = create_event(session, signup_needs_approval=True)
    organiser = create_user(session, role=UserRole.ORGANISER)
    from server.models import EventOrganiser

    session.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    participant = create_user(session)
    login(client, participant)
    post_form(client, f"/events/{event.name}/join")
    assert "waiting for an organiser" in client.get(f"/events/{event.name}").text
    sandbox = client.get(f"/events/{event.name}/sandbox")
    assert sandbox.status_code == 303  # not yet allowed to submit

    registration = session.query(EventRegistration).filter_by(user_id=participant.id).one()
    # Another participant cannot approve anyone.
    other = login(make_client(), create_user(session))
    refused = post_form(
        other, f"/events/{event.name}/registrations/{registration.id}", {"decision": "approve"}
    )
    assert refused.status_code == 403

    organiser_client = login(make_client(), organiser)
    assert participant.username in organiser_client.get(f"/events/{event.name}/manage").text
    post_form(
        organiser_client,
        f"/events/{event.name}/registrations/{registration.id}",
        {"decision": "approve"},
    )
    session.refresh(registration)
    assert registration.status is RegistrationStatus.APPROVED
    assert "You take part as team" in client.get(f"/events/{event.name}").text


def test_invitation_only_and_closed_events_refuse_sign_ups(
    client: TestClient, session: Session
) -> None:
    invitation_only = create_event(session, is_invitation_only=True)
    closed = create_event(
        session, opens_at=utcnow() - timedelta(days=9), closes_at=utcnow() - timedelta(days=1)
    )
    login(client, create_user(session))
    assert post_form(client, f"/events/{invitation_only.name}/join").status_code == 403
    response = post_form(client, f"/api/events/{closed.name}/join")
    assert response.status_code == 403
    assert "closed" in response.json()["detail"]


def test_starting_kit_zip_has_the_kit_and_training_data_but_no_test_labels(
    client: TestClient, session: Session
) -> None:
    event = create_event(session, problem=iris_problem(session))
    response = client.get(f"/events/{event.name}/starting-kit.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert f"{event.name}/submissions/starting_kit/estimator.py" in names
    assert f"{event.name}/data/train.csv" in names
    assert f"{event.name}/problem.py" in names
    assert not any("test" in name for name in names)


def test_organisers_create_events_and_participants_cannot(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    problem = iris_problem(session)
    form = {
        "name": "spring-iris",
        "title": "Spring Iris",
        "problem_name": problem.name,
        "opens_at": "2026-01-01T00:00",
        "closes_at": "2030-01-01T00:00",
        "min_seconds_between_submissions": "0",
        "is_public": "on",
    }
    participant = login(make_client(), create_user(session))
    assert participant.get("/new-event").status_code == 403
    assert post_form(participant, "/new-event", form).status_code == 403

    login(client, create_user(session, role=UserRole.ORGANISER))
    bad = post_form(client, "/new-event", {**form, "closes_at": "2025-01-01T00:00"})
    assert bad.status_code == 422
    assert "must close after it opens" in bad.text
    assert 'value="Spring Iris"' in bad.text  # the form keeps what was typed
    created = post_form(client, "/new-event", form)
    assert created.headers["location"] == "/events/spring-iris/manage"
    assert client.get("/events/spring-iris/manage").status_code == 200
    # The new event's organiser may edit it; a participant may not.
    edited = post_form(client, "/events/spring-iris/edit", {**form, "title": "Spring Iris 2"})
    assert edited.status_code == 303
    assert "Spring Iris 2" in client.get("/events/spring-iris").text
    assert participant.get("/events/spring-iris/edit").status_code == 403
    assert participant.get("/events/spring-iris/manage").status_code == 403


def test_organisers_add_participants_to_invitation_only_events_and_co_organisers(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = create_event(session, is_invitation_only=True, is_public=False)
    organiser = create_user(session, role=UserRole.ORGANISER)
    from server.models import EventOrganiser

    session.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    guest = create_user(session, username="guest")
    colleague = create_user(session, username="colleague", role=UserRole.ORGANISER)
    login(client, organiser)
    added = post_form(client, f"/events/{event.name}/participants", {"username": "guest"})
    assert added.status_code == 303
    unknown = post_form(client, f"/events/{event.name}/participants", {"username": "nobody"})
    assert unknown.status_code == 404
    guest_client = login(make_client(), guest)
    assert "You take part as team" in guest_client.get(f"/events/{event.name}").text
    not_organiser = post_form(client, f"/events/{event.name}/organisers", {"username": "guest"})
    assert not_organiser.status_code == 422
    post_form(client, f"/events/{event.name}/organisers", {"username": "colleague"})
    assert login(make_client(), colleague).get(f"/events/{event.name}/manage").status_code == 200
    # A participant cannot add anyone.
    assert (
        post_form(
            guest_client, f"/events/{event.name}/participants", {"username": "colleague"}
        ).status_code
        == 403
    )
