"""The submission's state transitions a worker makes, each one a conditional UPDATE.

The row is the source of truth and several workers (or two deliveries of one message)
may race for it, so every transition says what it expects to find: a claim moves
queued -> running only if it is still queued; a heartbeat, a result or a retry only
applies to the attempt this worker claimed. Losing a race is not an error: the other
party (another worker, a cancellation, the sweep) owns the submission now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from server.models import Event, FailureKind, Problem, Submission, SubmissionFile, SubmissionState
from server.models import utcnow as now
from worker.sandbox import Limits


def claim(
    session: Session, submission_id: int, *, worker_id: str, ready_only: bool = False
) -> int | None:
    """Move a queued submission to running for `worker_id`; its attempt number, or None.

    `ready_only` skips a submission whose queued_at is in the future (a retry waiting
    for its backoff); the broker's delayed message does not need that check.
    """
    conditions: list[ColumnElement[bool]] = [
        Submission.id == submission_id,
        Submission.state == SubmissionState.QUEUED,
    ]
    started = now()
    if ready_only:
        conditions.append(Submission.queued_at <= started)
    statement = (
        update(Submission)
        .where(*conditions)
        .values(
            state=SubmissionState.RUNNING,
            worker_id=worker_id,
            started_at=started,
            heartbeat_at=started,
            finished_at=None,
            attempts=Submission.attempts + 1,
        )
        .returning(Submission.attempts)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).scalar_one_or_none()


def owned_by(submission_id: int, worker_id: str, attempt: int) -> ColumnElement[bool]:
    """The row is still the running attempt `attempt` of `worker_id`."""
    return and_(
        Submission.id == submission_id,
        Submission.state == SubmissionState.RUNNING,
        Submission.worker_id == worker_id,
        Submission.attempts == attempt,
    )


def beat(session: Session, submission_id: int, *, worker_id: str, attempt: int) -> bool:
    """Refresh the heartbeat; False when the attempt no longer owns the submission."""
    statement = (
        update(Submission)
        .where(owned_by(submission_id, worker_id, attempt))
        .values(heartbeat_at=now())
        .execution_options(synchronize_session=False)
    )
    return _changed(session.execute(statement))


def finish(
    session: Session, submission_id: int, *, worker_id: str, attempt: int, **values: Any
) -> bool:
    """Record the attempt's final state; False (nothing written) when it lost ownership."""
    statement = (
        update(Submission)
        .where(owned_by(submission_id, worker_id, attempt))
        .values(finished_at=now(), heartbeat_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return _changed(session.execute(statement))


def fail_values(kind: FailureKind, log: str) -> dict[str, Any]:
    """Column values of a failed submission; platform errors are not charged to quota."""
    return {
        "state": SubmissionState.FAILED,
        "failure_kind": kind,
        "failure_log": log,
        "charged_to_quota": kind is not FailureKind.PLATFORM_ERROR,
    }


def requeue(
    session: Session, submission_id: int, *, worker_id: str, attempt: int, delay: float
) -> bool:
    """Put the attempt's submission back in the queue, ready again in `delay` seconds."""
    statement = (
        update(Submission)
        .where(owned_by(submission_id, worker_id, attempt))
        .values(
            state=SubmissionState.QUEUED,
            queued_at=now() + timedelta(seconds=delay),
            worker_id=None,
            started_at=None,
            heartbeat_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _changed(session.execute(statement))


def read_job_inputs(
    session: Session, submission_id: int
) -> tuple[Submission, Event, Problem, dict[str, bytes]]:
    """The submission with its event, problem and files, for building a job."""
    row = session.execute(
        select(Submission, Event, Problem)
        .join(Event, Submission.event_id == Event.id)
        .join(Problem, Event.problem_id == Problem.id)
        .where(Submission.id == submission_id)
    ).one()
    files = session.execute(
        select(SubmissionFile).where(SubmissionFile.submission_id == submission_id)
    ).scalars()
    return row[0], row[1], row[2], {f.name: f.data for f in files}


def event_limits(event: Event, *, pids: int, output_bytes: int) -> Limits:
    """The sandbox limits of one submission of `event`."""
    return Limits(
        wall_seconds=float(event.time_limit_seconds),
        memory_bytes=event.memory_limit_bytes,
        cpus=event.cpus,
        gpus=event.gpus,
        pids=pids,
        output_bytes=output_bytes,
    )


def rows_changed(result: Any) -> int:
    """Rows an UPDATE matched (`Session.execute` is typed as returning a plain Result)."""
    return int(result.rowcount)


def _changed(result: Any) -> bool:
    return rows_changed(result) == 1
