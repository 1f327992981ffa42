"""Putting submissions in the queue and taking them out: what the web app calls.

`enqueue_submission` marks the row queued and sends the task after the commit (in
embedded mode it only wakes the in-process worker, which polls the database).
`cancel_submission` marks the row cancelled; a running job notices at its next
heartbeat and its sandbox is killed. Both follow the services' rule: they never commit.

The server does not import worker code: it can call these through the `ramplab` CLI
process that starts it, or send the task by name (`worker.task_names`) itself.
"""

from __future__ import annotations

import functools
import threading
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db import run_after_commit
from server.models import Event, FailureKind, Submission, SubmissionState
from server.models import utcnow as now
from server.settings import get_settings
from worker.pipeline.lifecycle import rows_changed
from worker.task_names import CPU_QUEUE, GPU_QUEUE, SCORE_SUBMISSION_TASK

if TYPE_CHECKING:
    from celery import Celery

#: Set when a submission is queued, so that idle embedded workers look at once.
work_available = threading.Event()

_QUEUEABLE = (SubmissionState.NEW, SubmissionState.QUEUED)
_CANCELLABLE = (SubmissionState.NEW, SubmissionState.QUEUED, SubmissionState.RUNNING)


class NotQueueableError(ValueError):
    """The submission is running or finished; it cannot be queued again as it is."""


def queue_for(gpus: int) -> str:
    """The queue of a submission of an event that grants `gpus` GPUs."""
    return GPU_QUEUE if gpus > 0 else CPU_QUEUE


def enqueue_submission(session: Session, submission_id: int) -> None:
    """Mark the submission queued and have it sent to a worker once `session` commits."""
    task_id = str(uuid.uuid4())
    changed = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.state.in_(_QUEUEABLE))
        .values(state=SubmissionState.QUEUED, queued_at=now(), task_id=task_id)
        .returning(Submission.event_id)
    ).scalar_one_or_none()
    if changed is None:
        raise NotQueueableError(f"submission {submission_id} is not new or queued")
    gpus, time_limit = session.execute(
        select(Event.gpus, Event.time_limit_seconds).where(Event.id == changed)
    ).one()
    run_after_commit(
        session,
        lambda: send_score_task(
            submission_id, gpus=gpus, time_limit_seconds=time_limit, task_id=task_id
        ),
    )


def send_score_task(
    submission_id: int,
    *,
    gpus: int,
    time_limit_seconds: int,
    task_id: str | None = None,
    countdown: float | None = None,
) -> None:
    """Send the scoring task (Celery), or wake the embedded worker when there is no broker."""
    broker_url = get_settings().broker_url
    if broker_url is None:
        work_available.set()
        return
    from worker.celery_app import task_time_limits

    soft, hard = task_time_limits(time_limit_seconds)
    _sender(broker_url).send_task(
        SCORE_SUBMISSION_TASK,
        args=(submission_id,),
        queue=queue_for(gpus),
        task_id=task_id,
        countdown=countdown,
        soft_time_limit=soft,
        time_limit=hard,
    )


@functools.cache
def _sender(broker_url: str) -> Celery:
    # Keyed by URL so that a process whose settings change (tests) sends to the broker
    # it is configured for now, not the one the first import saw.
    from worker.celery_app import create_celery_app

    return create_celery_app(broker_url)


def resend_submission(session: Session, submission_id: int, *, countdown: float = 0) -> None:
    """Send the task of an already-queued submission again (retries, lost messages)."""
    gpus, time_limit = session.execute(
        select(Event.gpus, Event.time_limit_seconds)
        .join(Submission, Submission.event_id == Event.id)
        .where(Submission.id == submission_id)
    ).one()
    send_score_task(
        submission_id, gpus=gpus, time_limit_seconds=time_limit, countdown=countdown or None
    )


def cancel_submission(*, session: Session, submission_id: int) -> bool:
    """Cancel a submission that has not finished; False when it already had."""
    changed = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.state.in_(_CANCELLABLE))
        .values(
            state=SubmissionState.CANCELLED,
            failure_kind=FailureKind.CANCELLED,
            failure_log="Cancelled.",
            finished_at=now(),
        )
    )
    return rows_changed(changed) == 1
