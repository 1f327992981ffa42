"""Rows and submissions for the scoring tests: an iris event, submitting, waiting."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from server.db import session_scope
from server.models import (
    BaggedScore,
    Event,
    ScoreDirection,
    Submission,
    SubmissionFoldResult,
    SubmissionState,
)
from tests.factories import create_event, create_problem, create_submission
from worker.queueing import enqueue_submission
from worker.sandbox.runtime import PROJECT_ROOT

IRIS = PROJECT_ROOT / "problems" / "iris"
IRIS_SCORE_TYPES = (
    ("accuracy", ScoreDirection.HIGHER_IS_BETTER),
    ("error", ScoreDirection.LOWER_IS_BETTER),
    ("nll", ScoreDirection.LOWER_IS_BETTER),
    ("f1_70", ScoreDirection.HIGHER_IS_BETTER),
)
STARTING_KIT = {"estimator.py": (IRIS / "submissions/starting_kit/estimator.py").read_text()}
MiB = 1024 * 1024


def create_iris_event(db: sessionmaker[Session], **fields: Any) -> int:
    """A committed iris event with small limits (override any column); its id."""
    fields = {"time_limit_seconds": 60, "memory_limit_bytes": 1024 * MiB, "cpus": 1.0} | fields
    with session_scope(db) as session:
        problem = create_problem(session, kit_path=str(IRIS), score_types=IRIS_SCORE_TYPES)
        return create_event(session, problem=problem, **fields).id


def submit(
    db: sessionmaker[Session], event_id: int, files: Mapping[str, str] = STARTING_KIT
) -> int:
    """Create a submission and enqueue it, as the web app does; its id."""
    with session_scope(db) as session:
        event = session.get_one(Event, event_id)
        submission = create_submission(session, event=event, files=files)
        enqueue_submission(session, submission.id)
        return submission.id


def read(db: sessionmaker[Session], submission_id: int) -> Submission:
    with session_scope(db) as session:
        return session.get_one(Submission, submission_id, populate_existing=True)


def wait_for(
    db: sessionmaker[Session],
    submission_ids: Iterable[int],
    states: Iterable[SubmissionState],
    *,
    timeout: float = 90,
    describe: Any = None,
) -> list[Submission]:
    """Wait until every submission is in one of `states`; fail with the worker's log."""
    ids, wanted = list(submission_ids), set(states)
    deadline = time.monotonic() + timeout
    while True:
        rows = [read(db, i) for i in ids]
        if all(row.state in wanted for row in rows):
            return rows
        if time.monotonic() > deadline:
            log = describe() if callable(describe) else ""
            raise AssertionError(f"timed out waiting for {wanted}: {rows}\n{log}")
        time.sleep(0.2)


def finished(db: sessionmaker[Session], ids: Iterable[int], **kwargs: Any) -> list[Submission]:
    return wait_for(
        db, ids, (SubmissionState.SCORED, SubmissionState.FAILED, SubmissionState.CANCELLED),
        **kwargs,
    )  # fmt: skip


def fold_result_count(db: sessionmaker[Session], submission_id: int) -> int:
    with session_scope(db) as session:
        return (
            session.scalar(
                select(func.count()).where(SubmissionFoldResult.submission_id == submission_id)
            )
            or 0
        )


def bagged(db: sessionmaker[Session], submission_id: int) -> dict[str, dict[str, float]]:
    """{step: {score name: value}} of a submission's bagged scores."""
    with session_scope(db) as session:
        rows = session.scalars(
            select(BaggedScore).where(BaggedScore.submission_id == submission_id)
        ).all()
    scores: dict[str, dict[str, float]] = {}
    for row in rows:
        scores.setdefault(str(row.step), {})[row.score_name] = row.value
    return scores
