"""Queries on teams and memberships."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from server.models import InvitationStatus, Submission, Team, TeamInvitation, TeamMember


def team_of_user(session: Session, *, event_id: int, user_id: int) -> Team | None:
    """The user's team in the event, if they have one."""
    return session.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.event_id == event_id, TeamMember.user_id == user_id)
    )


def team_name_taken(session: Session, *, event_id: int, name: str) -> bool:
    return (
        session.scalar(select(Team.id).where(Team.event_id == event_id, Team.name == name))
        is not None
    )


def members(session: Session, *, team_id: int) -> list[TeamMember]:
    return list(
        session.scalars(
            select(TeamMember)
            .options(joinedload(TeamMember.user))
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.created_at)
        )
    )


def pending_invitations_for(
    session: Session, *, event_id: int, user_id: int
) -> list[TeamInvitation]:
    return list(
        session.scalars(
            select(TeamInvitation)
            .options(joinedload(TeamInvitation.team))
            .join(Team, Team.id == TeamInvitation.team_id)
            .where(
                Team.event_id == event_id,
                TeamInvitation.invitee_id == user_id,
                TeamInvitation.status == InvitationStatus.PENDING,
            )
        )
    )


def pending_invitation_count(session: Session, *, team_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                TeamInvitation.team_id == team_id,
                TeamInvitation.status == InvitationStatus.PENDING,
            )
        )
        or 0
    )


def has_submissions(session: Session, *, team_id: int) -> bool:
    return (
        session.scalar(select(Submission.id).where(Submission.team_id == team_id).limit(1))
        is not None
    )
