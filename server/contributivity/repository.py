"""Queries behind the contributivity page and the credit form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from server.models import (
    BaggedScore,
    CodeAccess,
    CodeAccessKind,
    Event,
    EventBlend,
    ScoreStep,
    Submission,
    SubmissionCredit,
    SubmissionState,
    Team,
    TeamMember,
)


def lock_event(session: Session, *, event_id: int) -> None:
    """Serialise the writers of an event's contributivities (the blend, credit saves)."""
    session.execute(select(Event.id).where(Event.id == event_id).with_for_update())


def blended_submissions(session: Session, *, event_id: int) -> list[Any]:
    """(id, contributivity) of the scored, non-excluded submissions, oldest first."""
    return list(
        session.execute(
            select(Submission.id, Submission.contributivity)
            .where(
                Submission.event_id == event_id,
                Submission.state == SubmissionState.SCORED,
                Submission.is_excluded.is_(False),
            )
            .order_by(Submission.created_at, Submission.id)
        )
    )


def credit_links(session: Session, *, event_id: int) -> list[Any]:
    """(submission id, source id, weight) of every credit link within the event."""
    return list(
        session.execute(
            select(
                SubmissionCredit.submission_id,
                SubmissionCredit.source_submission_id,
                SubmissionCredit.weight,
            )
            .join(Submission, Submission.id == SubmissionCredit.submission_id)
            .where(Submission.event_id == event_id)
        )
    )


def set_historical_contributivity(
    session: Session, *, event_id: int, values: dict[int, float]
) -> None:
    """Store `values`; every other submission of the event gets 0."""
    session.execute(
        update(Submission)
        .where(Submission.event_id == event_id)
        .values(historical_contributivity=0.0)
        .execution_options(synchronize_session=False)
    )
    if values:
        # One executemany by primary key, not a statement per submission.
        session.execute(
            update(Submission).execution_options(synchronize_session=False),
            [{"id": sid, "historical_contributivity": value} for sid, value in values.items()],
        )


def event_blend(session: Session, *, event_id: int) -> EventBlend | None:
    return session.scalar(select(EventBlend).where(EventBlend.event_id == event_id))


def board_rows(session: Session, *, event_id: int, score_name: str) -> list[Any]:
    """(id, name, team, created_at, contributivity, historical, official valid score)."""
    score = (
        select(BaggedScore.submission_id, BaggedScore.value)
        .where(BaggedScore.step == ScoreStep.VALID, BaggedScore.score_name == score_name)
        .subquery()
    )
    return list(
        session.execute(
            select(
                Submission.id,
                Submission.name,
                Team.name,
                Submission.created_at,
                Submission.contributivity,
                Submission.historical_contributivity,
                score.c.value,
            )
            .join(Team, Team.id == Submission.team_id)
            .outerjoin(score, score.c.submission_id == Submission.id)
            .where(
                Submission.event_id == event_id,
                Submission.state == SubmissionState.SCORED,
                Submission.is_excluded.is_(False),
            )
            .order_by(Submission.created_at, Submission.id)
        )
    )


def accessed_submissions(
    session: Session, *, team_id: int, member_ids: Sequence[int]
) -> list[tuple[Submission, Team, CodeAccessKind]]:
    """(source, its team, kind) of every code access by the team or one of its members."""
    rows = session.execute(
        select(Submission, Team, CodeAccess.kind)
        .join(CodeAccess, CodeAccess.submission_id == Submission.id)
        .join(Team, Team.id == Submission.team_id)
        .where(or_(CodeAccess.team_id == team_id, CodeAccess.user_id.in_(member_ids)))
        .order_by(Submission.created_at, Submission.id)
    )
    return [(row[0], row[1], row[2]) for row in rows]


def team_member_ids(session: Session, *, team_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))


def credits_of(session: Session, *, submission_id: int) -> dict[int, float]:
    """{source id: weight} of the submission's credit links."""
    rows = session.execute(
        select(SubmissionCredit.source_submission_id, SubmissionCredit.weight).where(
            SubmissionCredit.submission_id == submission_id
        )
    )
    return {source: weight for source, weight in rows}


def replace_credits(session: Session, *, submission_id: int, weights: dict[int, float]) -> None:
    session.execute(delete(SubmissionCredit).where(SubmissionCredit.submission_id == submission_id))
    for source, weight in weights.items():
        session.add(
            SubmissionCredit(
                submission_id=submission_id, source_submission_id=source, weight=weight
            )
        )
    session.flush()
