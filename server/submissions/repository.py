"""Queries on submissions: a team's history, the queue, and loading one for display."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from server.models import Event, Submission, SubmissionState


def load(session: Session, submission_id: int) -> Submission | None:
    """A submission with what its pages show (files, folds, bagged scores, team, event)."""
    return session.scalar(
        select(Submission)
        .options(
            selectinload(Submission.files),
            selectinload(Submission.fold_results),
            selectinload(Submission.bagged_scores),
            selectinload(Submission.team),
            selectinload(Submission.event).joinedload(Event.problem),
        )
        .where(Submission.id == submission_id)
    )


def of_team(session: Session, *, team_id: int) -> list[Submission]:
    """The team's submissions, newest first, with their bagged scores."""
    return list(
        session.scalars(
            select(Submission)
            .options(selectinload(Submission.bagged_scores))
            .where(Submission.team_id == team_id)
            .order_by(Submission.created_at.desc(), Submission.id.desc())
        )
    )


def of_event(session: Session, *, event_id: int) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .options(selectinload(Submission.team))
            .where(Submission.event_id == event_id)
            .order_by(Submission.created_at.desc(), Submission.id.desc())
        )
    )


def latest_of_team(session: Session, *, team_id: int) -> Submission | None:
    return session.scalar(
        select(Submission)
        .options(selectinload(Submission.files))
        .where(Submission.team_id == team_id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(1)
    )


def last_charged_time(session: Session, *, team_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(Submission.created_at)).where(
            Submission.team_id == team_id, Submission.charged_to_quota.is_(True)
        )
    )


def count_charged_since(session: Session, *, team_id: int, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                Submission.team_id == team_id,
                Submission.charged_to_quota.is_(True),
                Submission.created_at >= since,
            )
        )
        or 0
    )


def name_taken(session: Session, *, team_id: int, name: str) -> bool:
    return (
        session.scalar(
            select(Submission.id).where(Submission.team_id == team_id, Submission.name == name)
        )
        is not None
    )


def identical_code(session: Session, *, team_id: int, sha256: str) -> Submission | None:
    """An earlier submission of the team with the same files that did not fail."""
    return session.scalar(
        select(Submission)
        .where(
            Submission.team_id == team_id,
            Submission.content_sha256 == sha256,
            Submission.state.not_in([SubmissionState.FAILED, SubmissionState.CANCELLED]),
        )
        .limit(1)
    )


def queue_position(session: Session, submission: Submission) -> int | None:
    """1 for the next submission to run; None unless the submission is queued."""
    if submission.state is not SubmissionState.QUEUED or submission.queued_at is None:
        return None
    ahead = session.scalar(
        select(func.count()).where(
            Submission.state == SubmissionState.QUEUED,
            Submission.queued_at < submission.queued_at,
        )
    )
    return (ahead or 0) + 1
