"""Teams: participants invite each other up to the event's team size."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.teams import repository as teams_repository
from tests.factories import create_event, create_submission, create_user
from tests.server.conftest import join, login, post_form


def invitation_ids(page: str) -> list[str]:
    return re.findall(r"/team/invitations/(\d+)", page)


def test_invite_accept_and_submit_as_one_team(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = create_event(session, max_team_size=2)
    captain, mate, third = (create_user(session) for _ in range(3))
    team = join(session, event, captain)
    for user in (mate, third):
        join(session, event, user)
    login(client, captain)
    sent = post_form(client, f"/events/{event.name}/team/invitations", {"username": mate.username})
    assert sent.status_code == 303
    full = post_form(client, f"/events/{event.name}/team/invitations", {"username": third.username})
    assert full.status_code == 409 and "at most 2 members" in full.text

    mate_client = login(make_client(), mate)
    ids = invitation_ids(mate_client.get(f"/events/{event.name}").text)
    assert len(ids) == 1
    accepted = post_form(
        mate_client, f"/events/{event.name}/team/invitations/{ids[0]}", {"decision": "accept"}
    )
    assert accepted.status_code == 303
    new_team = teams_repository.team_of_user(session, event_id=event.id, user_id=mate.id)
    assert new_team is not None and new_team.id == team.id
    assert (
        f"Members: {captain.username}, {mate.username}"
        in mate_client.get(f"/events/{event.name}").text
    )


def test_someone_who_already_submitted_keeps_their_team(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = create_event(session, max_team_size=3)
    captain, veteran = create_user(session), create_user(session)
    join(session, event, captain)
    create_submission(session, team=join(session, event, veteran))
    login(client, captain)
    post_form(client, f"/events/{event.name}/team/invitations", {"username": veteran.username})
    veteran_client = login(make_client(), veteran)
    ids = invitation_ids(veteran_client.get(f"/events/{event.name}").text)
    refused = post_form(
        veteran_client, f"/events/{event.name}/team/invitations/{ids[0]}", {"decision": "accept"}
    )
    assert refused.status_code == 409 and "already submitted" in refused.text


def test_only_the_invitee_answers(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = create_event(session, max_team_size=2)
    captain, mate, stranger = (create_user(session) for _ in range(3))
    for user in (captain, mate, stranger):
        join(session, event, user)
    login(client, captain)
    post_form(client, f"/events/{event.name}/team/invitations", {"username": mate.username})
    ids = invitation_ids(login(make_client(), mate).get(f"/events/{event.name}").text)
    stranger_client = login(make_client(), stranger)
    response = post_form(
        stranger_client, f"/events/{event.name}/team/invitations/{ids[0]}", {"decision": "accept"}
    )
    assert response.status_code == 404
