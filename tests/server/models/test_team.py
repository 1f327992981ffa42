from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from server.models import (
    EventRegistration,
    InvitationStatus,
    RegistrationStatus,
    Team,
    TeamInvitation,
    TeamMember,
)
from tests.factories import create_event, create_submission, create_team, create_user


def test_a_user_is_in_at_most_one_team_per_event(any_session: Session) -> None:
    user = create_user(any_session)
    event = create_event(any_session)
    create_team(any_session, event=event, members=[user])

    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_team(any_session, event=event, members=[user])


def test_a_user_may_join_teams_in_different_events(any_session: Session) -> None:
    user = create_user(any_session)
    create_team(any_session, members=[user])
    create_team(any_session, members=[user])

    memberships = any_session.scalars(select(TeamMember).filter_by(user_id=user.id)).all()
    assert len({membership.event_id for membership in memberships}) == 2


def test_a_membership_copies_its_teams_event(any_session: Session) -> None:
    user = create_user(any_session)
    team = create_team(any_session, members=[user])
    any_session.expire_all()

    loaded = any_session.scalars(
        select(Team).options(selectinload(Team.members)).filter_by(id=team.id)
    ).one()
    assert [member.event_id for member in loaded.members] == [team.event_id]


def test_team_names_are_unique_within_an_event(any_session: Session) -> None:
    event = create_event(any_session)
    create_team(any_session, event=event, name="owls")
    create_team(any_session, name="owls")

    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_team(any_session, event=event, name="owls")


def test_only_one_pending_invitation_per_team_and_user(any_session: Session) -> None:
    team = create_team(any_session)
    invitee = create_user(any_session)

    def invite(status: InvitationStatus = InvitationStatus.PENDING) -> None:
        any_session.add(TeamInvitation(team_id=team.id, invitee_id=invitee.id, status=status))
        any_session.flush()

    invite(InvitationStatus.DECLINED)
    invite(InvitationStatus.DECLINED)
    invite()
    with pytest.raises(IntegrityError), any_session.begin_nested():
        invite()


def test_a_user_registers_once_per_event(any_session: Session) -> None:
    user = create_user(any_session)
    event = create_event(any_session)
    any_session.add(EventRegistration(event_id=event.id, user_id=user.id))
    any_session.flush()
    registration = any_session.scalars(select(EventRegistration)).one()
    assert registration.status is RegistrationStatus.PENDING

    with pytest.raises(IntegrityError), any_session.begin_nested():
        any_session.add(EventRegistration(event_id=event.id, user_id=user.id))
        any_session.flush()


def test_deleting_a_user_removes_their_memberships(any_session: Session) -> None:
    user = create_user(any_session)
    team = create_team(any_session, members=[user])
    any_session.delete(user)
    any_session.flush()

    assert any_session.scalars(select(TeamMember).filter_by(team_id=team.id)).all() == []
    assert any_session.get(Team, team.id) is not None


def test_deleting_the_chosen_submission_clears_the_choice(any_session: Session) -> None:
    team = create_team(any_session)
    submission = create_submission(any_session, team=team)
    team.selected_submission_id = submission.id
    any_session.flush()

    any_session.delete(submission)
    any_session.flush()
    any_session.expire(team)
    assert team.selected_submission_id is None


def test_deleting_a_team_with_a_chosen_submission(any_session: Session) -> None:
    team = create_team(any_session)
    submission = create_submission(any_session, team=team)
    team.selected_submission_id = submission.id
    any_session.flush()

    any_session.delete(team)
    any_session.flush()
    any_session.expire_all()
    assert any_session.get(Team, team.id) is None
