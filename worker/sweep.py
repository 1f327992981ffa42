"""The periodic sweep that keeps the queue honest when workers or the broker fail.

The database is the source of truth, so the sweep repairs from it:

- a `running` submission past its event's time limit (plus the task margin) is failed
  with kind `timeout`: its worker was killed by the hard time limit, or is stuck;
- a `running` submission whose heartbeat is stale lost its worker (killed, machine
  gone): it is queued again (its attempt counted) or, after `max_attempts`, failed
  as a platform error that is not charged to the team;
- a `queued` submission that no worker took for a while may have lost its broker
  message (Redis restarted): its task is sent again. Duplicates are harmless, since a
  task only runs a submission it can claim; each one is re-sent at most once per period.

Every change is a conditional UPDATE, so sweeps running in several workers at once are
harmless too. Celery workers run it in a thread of their main process (see
worker.cli.worker_command); the embedded worker in its own loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from server.db import session_scope
from server.models import Event, FailureKind, Submission, SubmissionState
from server.models import utcnow as now
from server.settings import get_settings
from worker.config import get_worker_config
from worker.pipeline.lifecycle import fail_values, rows_changed

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    timed_out: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    abandoned: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)


class Sweeper:
    """Runs sweeps; remembers what it re-sent so each message is re-sent once a period."""

    def __init__(
        self,
        *,
        resend: Callable[[Session, int], None] | None,
        factory: sessionmaker[Session] | None = None,
    ) -> None:
        self.resend = resend
        self.factory = factory
        self._last_resent: dict[int, float] = {}

    def sweep(self) -> SweepReport:
        """One pass: time out, re-queue or abandon running work; re-send queued work."""
        settings, config = get_settings(), get_worker_config()
        report = SweepReport()
        current = now()
        with session_scope(self.factory) as session:
            margin = timedelta(seconds=config.task_time_margin_seconds)
            stale_before = current - timedelta(seconds=settings.stale_running_seconds)
            columns = (Submission.id, Submission.started_at, Submission.heartbeat_at)
            running = session.execute(
                select(*columns, Submission.attempts, Event.time_limit_seconds)
                .join(Event, Submission.event_id == Event.id)
                .where(Submission.state == SubmissionState.RUNNING)
            ).all()
            for submission_id, started_at, heartbeat_at, attempts, limit in running:
                if started_at and started_at + timedelta(seconds=limit) + margin < current:
                    message = f"Stopped: still running after the time limit of {limit} s."
                    values = fail_values(FailureKind.TIMEOUT, message)
                    outcome = report.timed_out
                elif heartbeat_at is not None and heartbeat_at >= stale_before:
                    continue
                elif attempts < settings.max_attempts:
                    values = {"state": SubmissionState.QUEUED, "queued_at": current}
                    outcome = report.requeued
                else:
                    message = (
                        f"The worker running this submission stopped answering "
                        f"{attempts} times; giving up."
                    )
                    values = fail_values(FailureKind.PLATFORM_ERROR, message)
                    outcome = report.abandoned
                if values["state"] != SubmissionState.QUEUED:
                    values["finished_at"] = current
                values |= {"worker_id": None, "heartbeat_at": None}
                if _stop(session, submission_id, started_at, values):
                    outcome.append(submission_id)
        if self.resend is not None:
            report.resent = self._resend(report.requeued)
        if report.timed_out or report.requeued or report.abandoned or report.resent:
            logger.info("sweep: %s", report)
        return report

    def _resend(self, requeued: list[int]) -> list[int]:
        assert self.resend is not None
        config = get_worker_config()
        period = config.resend_queued_after_seconds
        clock = time.monotonic()
        waiting_since = now() - timedelta(seconds=period)
        with session_scope(self.factory) as session:
            queued = session.execute(
                select(Submission.id).where(
                    Submission.state == SubmissionState.QUEUED,
                    Submission.queued_at < waiting_since,
                )
            ).scalars()
            due = [
                submission_id
                for submission_id in queued
                if clock - self._last_resent.get(submission_id, -period) >= period
            ]
            for submission_id in [*requeued, *due]:
                self.resend(session, submission_id)
                self._last_resent[submission_id] = clock
        # Forget what is no longer queued, so the memory stays the size of the queue.
        self._last_resent = {k: v for k, v in self._last_resent.items() if clock - v < period * 4}
        return [*requeued, *due]


def _stop(
    session: Session, submission_id: int, started_at: datetime | None, values: dict[str, object]
) -> bool:
    """Apply `values` if the submission is still in the running attempt that was read."""
    statement = (
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.state == SubmissionState.RUNNING,
            Submission.started_at == started_at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(session.execute(statement)) == 1


def run_periodically(sweeper: Sweeper, stop: threading.Event, interval: float) -> None:
    """Sweep every `interval` seconds until `stop` is set; errors are logged, not fatal."""
    while not stop.wait(interval):
        try:
            sweeper.sweep()
        except Exception:
            logger.exception("sweep failed")


def start_sweep_thread(sweeper: Sweeper, interval: float | None = None) -> threading.Event:
    """Sweep in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    period = interval or get_worker_config().sweep_seconds
    thread = threading.Thread(
        target=run_periodically, args=(sweeper, stop, period), name="ramplab-sweep", daemon=True
    )
    thread.start()
    return stop
