"""Leaderboard queries: plain tuples, not ORM objects, since boards can be 10,000 rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import (
    BaggedScore,
    Event,
    ScoreStep,
    Submission,
    SubmissionFoldResult,
    SubmissionState,
    Team,
)


def scored_submissions(session: Session, *, event_id: int) -> list[Any]:
    """(id, name, team, created_at, mean train seconds, mean valid seconds, contributivity,
    historical contributivity) of scored ones."""
    times = (
        select(
            SubmissionFoldResult.submission_id.label("submission_id"),
            func.avg(SubmissionFoldResult.train_seconds).label("train_seconds"),
            func.avg(SubmissionFoldResult.valid_seconds).label("valid_seconds"),
        )
        .join(Submission, Submission.id == SubmissionFoldResult.submission_id)
        .where(Submission.event_id == event_id, Submission.state == SubmissionState.SCORED)
        .group_by(SubmissionFoldResult.submission_id)
        .subquery()
    )
    return list(
        session.execute(
            select(
                Submission.id,
                Submission.name,
                Team.name,
                Submission.created_at,
                times.c.train_seconds,
                times.c.valid_seconds,
                Submission.contributivity,
                Submission.historical_contributivity,
            )
            .join(Team, Team.id == Submission.team_id)
            .outerjoin(times, times.c.submission_id == Submission.id)
            .where(Submission.event_id == event_id, Submission.state == SubmissionState.SCORED)
        )
    )


def bagged_scores(
    session: Session, *, event_id: int, step: ScoreStep
) -> dict[int, dict[str, float]]:
    """{submission id: {score name: value}} of the event's scored submissions."""
    rows = session.execute(
        select(BaggedScore.submission_id, BaggedScore.score_name, BaggedScore.value)
        .join(Submission, Submission.id == BaggedScore.submission_id)
        .where(
            Submission.event_id == event_id,
            Submission.state == SubmissionState.SCORED,
            BaggedScore.step == step,
        )
    )
    scores: dict[int, dict[str, float]] = {}
    for submission_id, score_name, value in rows:
        scores.setdefault(submission_id, {})[score_name] = value
    return scores


def selected_submissions(session: Session, *, event_id: int) -> dict[str, int]:
    """{team name: id of the submission it entered in the competition} of teams that chose."""
    rows = session.execute(
        select(Team.name, Team.selected_submission_id).where(
            Team.event_id == event_id, Team.selected_submission_id.is_not(None)
        )
    )
    return {name: submission_id for name, submission_id in rows if submission_id is not None}


def failed_submissions(session: Session, *, event_id: int) -> list[Any]:
    """(id, name, team, created_at, failure kind) of failed submissions, newest first."""
    return list(
        session.execute(
            select(
                Submission.id,
                Submission.name,
                Team.name,
                Submission.created_at,
                Submission.failure_kind,
            )
            .join(Team, Team.id == Submission.team_id)
            .where(Submission.event_id == event_id, Submission.state == SubmissionState.FAILED)
            .order_by(Submission.created_at.desc())
        )
    )


def board_version(session: Session, *, event_id: int) -> tuple[object, ...]:
    """Changes whenever a board of the event may have: a submission added, re-scored,
    re-queued, failed (any update bumps updated_at), a team's competition choice, or the
    event itself edited."""
    submissions = session.execute(
        select(
            func.count(), func.max(Submission.updated_at), func.max(Submission.created_at)
        ).where(Submission.event_id == event_id)
    ).one()
    teams_updated = session.scalar(
        select(func.max(Team.updated_at)).where(Team.event_id == event_id)
    )
    event_updated = session.scalar(select(Event.updated_at).where(Event.id == event_id))
    return (*submissions, teams_updated, event_updated)
