"""The in-process worker of embedded mode (`ramplab serve` with no broker configured).

A few threads poll the database for queued submissions, claim one with the same
conditional UPDATE as the Celery task and run the same pipeline; sandboxes are separate
processes, so threads are enough. Queued work survives a restart because it lives in
the database: a new worker finds it, and re-queues what the previous one left running.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from server.db import create_engine, make_sessionmaker, session_scope
from server.models import Submission, SubmissionState
from server.models import utcnow as now
from server.settings import Settings
from worker.config import get_worker_config
from worker.identity import worker_identity
from worker.pipeline import Result, process_submission
from worker.pipeline.lifecycle import rows_changed
from worker.queueing import work_available
from worker.sweep import Sweeper, run_periodically

logger = logging.getLogger(__name__)


class EmbeddedWorker:
    """Threads that run queued submissions until `stop()`."""

    def __init__(
        self,
        *,
        threads: int,
        poll_seconds: float,
        factory: sessionmaker[Session] | None = None,
    ) -> None:
        self.factory = factory
        self.poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, name=f"ramplab-embedded-{i}", daemon=True)
            for i in range(threads)
        ]
        self._sweep_thread = threading.Thread(
            target=run_periodically,
            args=(
                Sweeper(resend=None, factory=factory),
                self._stopping,
                get_worker_config().sweep_seconds,
            ),
            name="ramplab-embedded-sweep",
            daemon=True,
        )

    def start(self) -> EmbeddedWorker:
        requeued = requeue_orphans(self.factory)
        if requeued:
            logger.info("re-queued %d submissions left running by a previous run", requeued)
        for thread in self._threads:
            thread.start()
        self._sweep_thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work; running jobs are stopped and their submissions re-queued."""
        self._stopping.set()
        work_available.set()
        for thread in [*self._threads, self._sweep_thread]:
            if thread.is_alive():
                thread.join(timeout)
        # Let a blend requested by the last scored submission finish its write.
        from worker.blending_task import embedded_blends

        embedded_blends.wait_idle(timeout)

    def _loop(self) -> None:
        worker_id = worker_identity("embedded")
        while not self._stopping.is_set():
            try:
                ran = self._run_next(worker_id)
            except Exception:
                logger.exception("embedded worker: unexpected error")
                ran = False
            if not ran:
                work_available.wait(self.poll_seconds)
                work_available.clear()

    def _run_next(self, worker_id: str) -> bool:
        with session_scope(self.factory) as session:
            candidates = (
                session.execute(
                    select(Submission.id)
                    .where(
                        Submission.state == SubmissionState.QUEUED, Submission.queued_at <= now()
                    )
                    .order_by(Submission.queued_at, Submission.id)
                    .limit(len(self._threads) + 1)
                )
                .scalars()
                .all()
            )
        for submission_id in candidates:
            if self._stopping.is_set():
                return True
            report = process_submission(
                submission_id,
                worker_id=worker_id,
                factory=self.factory,
                ready_only=True,
                shutdown=self._stopping,
            )
            if report.result is not Result.SKIPPED:
                logger.info("submission %s: %s", submission_id, report.result)
                return True
        return False


def requeue_orphans(factory: sessionmaker[Session] | None = None) -> int:
    """Queue again what a previous embedded worker left running (it is not beating)."""
    quiet_since = now() - timedelta(seconds=2 * get_worker_config().heartbeat_seconds)
    with session_scope(factory) as session:
        result = session.execute(
            update(Submission)
            .where(
                Submission.state == SubmissionState.RUNNING,
                Submission.worker_id.like("embedded@%"),
                Submission.heartbeat_at < quiet_since,
            )
            .values(state=SubmissionState.QUEUED, queued_at=now(), worker_id=None)
            .execution_options(synchronize_session=False)
        )
        return rows_changed(result)


def start_embedded_worker(
    settings: Settings, *, factory: sessionmaker[Session] | None = None
) -> EmbeddedWorker:
    """Start the in-process worker for `settings` (embedded mode); `stop()` it on exit."""
    if not settings.embedded:
        raise ValueError("a broker is configured: start Celery workers with `ramplab worker`")
    if factory is None:
        # Bound now, to the database of `settings`: a worker must never drift to another
        # database because the process's settings changed after it started.
        factory = make_sessionmaker(create_engine(settings.database_url))
    config = get_worker_config()
    worker = EmbeddedWorker(
        threads=config.embedded_threads, poll_seconds=config.embedded_poll_seconds, factory=factory
    )
    return worker.start()
