"""Teams: a one-person team on joining; invitations merge people into bigger teams; the
submission a team enters in the competition."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.accounts import repository as accounts_repository
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.models import (
    Event,
    InvitationStatus,
    Submission,
    SubmissionState,
    Team,
    TeamInvitation,
    TeamMember,
    User,
    utcnow,
)
from server.teams import repository


def ensure_solo_team(*, session: Session, event: Event, user: User) -> Team:
    """The user's team in `event`, creating a one-person team named after them if none."""
    team = repository.team_of_user(session, event_id=event.id, user_id=user.id)
    if team is not None:
        return team
    name = user.username
    suffix = 1
    # Usernames are unique, but an organiser may have named a team after someone.
    while repository.team_name_taken(session, event_id=event.id, name=name):
        suffix += 1
        name = f"{user.username}-{suffix}"
    team = Team(event_id=event.id, name=name, created_by_id=user.id)
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, event_id=event.id, user_id=user.id))
    session.flush()
    return team


def invite(*, session: Session, event: Event, inviter: User, username: str) -> TeamInvitation:
    """Invite another participant of the event into the inviter's team."""
    team = repository.team_of_user(session, event_id=event.id, user_id=inviter.id)
    if team is None:
        raise Forbidden("Join this event before inviting anyone.")
    invitee = accounts_repository.find_user_by_login(session, username)
    if invitee is None:
        raise NotFound(f"No user is named {username.strip()!r}.")
    if invitee.id == inviter.id:
        raise Invalid("You are already in your team.")
    invitee_team = repository.team_of_user(session, event_id=event.id, user_id=invitee.id)
    if invitee_team is None:
        raise Invalid(f"{invitee.username} has not joined this event yet.")
    if invitee_team.id == team.id:
        raise Conflict(f"{invitee.username} is already in your team.")
    size = len(repository.members(session, team_id=team.id))
    pending = repository.pending_invitation_count(session, team_id=team.id)
    if size + pending >= event.max_team_size:
        raise Conflict(f"Teams in this event have at most {event.max_team_size} members.")
    invitation = TeamInvitation(team_id=team.id, invitee_id=invitee.id, invited_by_id=inviter.id)
    session.add(invitation)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict(f"{invitee.username} already has an invitation from your team.") from error
    return invitation


def answer_invitation(
    *, session: Session, event: Event, invitation_id: int, user: User, accept: bool
) -> TeamInvitation:
    """Accept (moving into the inviting team) or decline an invitation."""
    invitation = session.get(TeamInvitation, invitation_id)
    if (
        invitation is None
        or invitation.invitee_id != user.id
        or invitation.status is not InvitationStatus.PENDING
    ):
        raise NotFound("No such pending invitation.")
    new_team = session.get(Team, invitation.team_id)
    if new_team is None or new_team.event_id != event.id:
        raise NotFound("No such pending invitation.")
    invitation.responded_at = utcnow()
    if not accept:
        invitation.status = InvitationStatus.DECLINED
        session.flush()
        return invitation
    old_team = repository.team_of_user(session, event_id=event.id, user_id=user.id)
    if old_team is not None:
        if repository.has_submissions(session, team_id=old_team.id):
            raise Conflict("Your team has already submitted: its members stay together.")
        if len(repository.members(session, team_id=old_team.id)) > 1:
            raise Conflict("Leave your current team's other members first.")
        session.delete(old_team)  # a one-person team with nothing in it
        session.flush()
    if len(repository.members(session, team_id=new_team.id)) >= event.max_team_size:
        raise Conflict("That team is full.")
    session.add(TeamMember(team_id=new_team.id, event_id=event.id, user_id=user.id))
    invitation.status = InvitationStatus.ACCEPTED
    session.flush()
    return invitation


def select_submission(
    *, session: Session, event: Event, user: User, submission_id: int | None
) -> Team:
    """Enter one of the team's scored submissions in the competition (None: go back to
    the team's best public one), until the event closes."""
    team = repository.team_of_user(session, event_id=event.id, user_id=user.id)
    if team is None:
        raise Forbidden("Join this event before choosing a submission for the competition.")
    if utcnow() >= event.closes_at:
        raise Forbidden("This event has closed: the competition entries are final.")
    if submission_id is not None:
        submission = session.get(Submission, submission_id)
        if submission is None or submission.event_id != event.id:
            raise NotFound("No such submission in this event.")
        if submission.team_id != team.id:
            raise Forbidden("Choose one of your own team's submissions.")
        if submission.state is not SubmissionState.SCORED:
            raise Conflict(
                f"Only a scored submission can enter the competition; "
                f"{submission.name} is {submission.state.value}."
            )
    team.selected_submission_id = submission_id
    session.flush()
    return team
