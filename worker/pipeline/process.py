"""One submission from claim to stored outcome: what a Celery task and the embedded
worker both run.

The claim, the read of the job's inputs and the stored outcome are three short
transactions; the job itself runs outside any, with a heartbeat thread that refreshes
the row and notices when the attempt lost the submission (cancelled by its team, or
re-queued by the sweep), which kills the sandbox.
"""

from __future__ import annotations

import enum
import logging
import shutil
import threading
import time
import traceback
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from server.db import session_scope
from server.models import FailureKind, SubmissionState
from server.settings import get_settings
from worker.config import get_worker_config
from worker.pipeline import lifecycle, store
from worker.pipeline.execute import JobRequest, run_job, warm_up_next
from worker.pipeline.outcome import Outcome, failed
from worker.pipeline.sandboxes import worker_sandbox, worker_warm_pool
from worker.pipeline.warm import WarmPool

logger = logging.getLogger(__name__)
SessionFactory = sessionmaker[Session] | None


class Result(enum.StrEnum):
    SCORED = "scored"
    FAILED = "failed"
    #: A platform error; the submission is queued again, ready in `retry_in` seconds.
    RETRY = "retry"
    #: Not queued (already finished, cancelled, or running elsewhere): nothing done.
    SKIPPED = "skipped"
    #: Claimed, but cancelled or taken over while running: nothing stored.
    LOST = "lost"


@dataclass(frozen=True)
class Report:
    result: Result
    retry_in: float | None = None
    outcome: Outcome | None = None


def process_submission(
    submission_id: int,
    *,
    worker_id: str,
    factory: SessionFactory = None,
    ready_only: bool = False,
    timeout_errors: tuple[type[BaseException], ...] = (),
    shutdown: threading.Event | None = None,
) -> Report:
    """Claim `submission_id` if it is queued, run it, and store what happened.

    `timeout_errors` are exceptions that mean "out of time" (Celery's soft time limit)
    rather than a platform error. Setting `shutdown` stops the job and puts the
    submission back in the queue (the worker is going away, the submission did nothing).
    """
    with session_scope(factory) as session:
        attempt = lifecycle.claim(
            session, submission_id, worker_id=worker_id, ready_only=ready_only
        )
    if attempt is None:
        return Report(Result.SKIPPED)
    owner = _Owner(submission_id, worker_id, attempt, factory)
    report, request = _run_and_store(owner, timeout_errors=timeout_errors, shutdown=shutdown)
    if request is not None and report.result in (Result.SCORED, Result.FAILED):
        _warm_up_next(request)
    return report


def _run_and_store(
    owner: _Owner,
    *,
    timeout_errors: tuple[type[BaseException], ...],
    shutdown: threading.Event | None,
) -> tuple[Report, JobRequest | None]:
    """The job of a claimed submission, and its JobRequest if it got as far as reading it."""
    submission_id, worker_id, attempt, factory = (
        owner.submission_id,
        owner.worker_id,
        owner.attempt,
        owner.factory,
    )
    config = get_worker_config()
    request: JobRequest | None = None
    try:
        with session_scope(factory) as session:
            _, event, problem, files = lifecycle.read_job_inputs(session, submission_id)
            event_id = event.id
            request = JobRequest(
                submission_id=submission_id,
                kit_path=problem.kit_path,
                files=files,
                limits=lifecycle.event_limits(
                    event, pids=config.sandbox_pids, output_bytes=config.sandbox_output_bytes
                ),
            )
        with _Heartbeat(owner, config.heartbeat_seconds, shutdown) as heartbeat:
            outcome = run_job(request, worker_sandbox(), cancel=heartbeat.lost, warm=_warm_pool())
    except timeout_errors:
        message = "Stopped: the job went past its time limit (preparing or scoring)."
        return _store(owner, 0, failed(FailureKind.TIMEOUT, message)), request
    except Exception as error:
        # Sandbox or Docker failures, a missing sandbox, a database hiccup, our own bugs:
        # none of them is the submission's fault.
        logger.exception("platform error on submission %s", submission_id)
        return _platform_error(owner, error), request
    if outcome.failure is not None and outcome.failure.kind is FailureKind.CANCELLED:
        if shutdown is not None and shutdown.is_set():
            with session_scope(factory) as session:
                requeued = lifecycle.requeue(
                    session, submission_id, worker_id=worker_id, attempt=attempt, delay=0
                )
            return Report(Result.RETRY if requeued else Result.LOST, retry_in=0), request
        return Report(Result.LOST, outcome=outcome), request
    return _store(owner, event_id, outcome), request


def _warm_pool() -> WarmPool | None:
    return worker_warm_pool() if get_worker_config().warm_sandboxes else None


def _warm_up_next(request: JobRequest) -> None:
    """Start the sandbox of a next job like `request`, after this one is stored.

    Waiting for it to be warm here, before the task returns, makes the worker take its
    next submission only when it can start it at once.
    """
    warm = _warm_pool()
    if warm is None:
        return
    try:
        warm_up_next(
            request, worker_sandbox(), warm, wait_seconds=get_worker_config().warm_up_wait_seconds
        )
    except Exception:
        # Only an optimisation: the next job starts its own sandbox instead.
        logger.exception("could not start a warm sandbox")


@dataclass(frozen=True)
class _Owner:
    submission_id: int
    worker_id: str
    attempt: int
    factory: SessionFactory

    def finish(self, session: Session, **values: object) -> bool:
        return lifecycle.finish(
            session,
            self.submission_id,
            worker_id=self.worker_id,
            attempt=self.attempt,
            **values,
        )


def _store(owner: _Owner, event_id: int, outcome: Outcome) -> Report:
    if outcome.failure is not None:
        with session_scope(owner.factory) as session:
            stored = owner.finish(
                session,
                **lifecycle.fail_values(outcome.failure.kind, outcome.failure.log),
                peak_memory_bytes=outcome.peak_memory_bytes,
            )
        return Report(Result.FAILED if stored else Result.LOST, outcome=outcome)
    assert outcome.scores is not None
    predictions_dir = get_settings().predictions_dir
    target = store.predictions_folder(predictions_dir, event_id, owner.submission_id)
    staging = target.parent / f".{owner.submission_id}.attempt-{owner.attempt}"
    try:
        staged = store.stage_predictions(staging, outcome.scores, outcome.fold_predictions)
        with session_scope(owner.factory) as session:
            stored = owner.finish(
                session,
                state=SubmissionState.SCORED,
                failure_kind=None,
                failure_log="",
                peak_memory_bytes=outcome.peak_memory_bytes,
            )
            if stored:
                store.add_score_rows(
                    session,
                    submission_id=owner.submission_id,
                    scores=outcome.scores,
                    relative_folder=str(target.relative_to(predictions_dir)),
                )
        if stored:
            store.publish_predictions(staged, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if stored:
        # Imported here: worker.blending_task imports this package (the kit cache).
        from worker.blending_task import request_blend

        request_blend(event_id, factory=owner.factory)
    return Report(Result.SCORED if stored else Result.LOST, outcome=outcome)


def _platform_error(owner: _Owner, error: BaseException) -> Report:
    config = get_worker_config()
    log = "".join(traceback.format_exception_only(type(error), error)).strip()
    with session_scope(owner.factory) as session:
        if owner.attempt < get_settings().max_attempts:
            delay = min(
                config.retry_backoff_seconds * 2 ** (owner.attempt - 1),
                config.retry_backoff_max_seconds,
            )
            requeued = lifecycle.requeue(
                session,
                owner.submission_id,
                worker_id=owner.worker_id,
                attempt=owner.attempt,
                delay=delay,
            )
            return Report(Result.RETRY if requeued else Result.LOST, retry_in=delay)
        message = f"The platform failed {owner.attempt} times running this submission: {log}"
        stored = owner.finish(session, **lifecycle.fail_values(FailureKind.PLATFORM_ERROR, message))
    return Report(Result.FAILED if stored else Result.LOST)


#: How quickly a running job notices its worker shutting down.
SHUTDOWN_POLL_SECONDS = 0.25


class _Heartbeat:
    """Beats every `interval` seconds while a job runs; sets `lost` if ownership is gone."""

    def __init__(self, owner: _Owner, interval: float, shutdown: threading.Event | None) -> None:
        self.owner = owner
        self.interval = interval
        self.shutdown = shutdown
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{owner.submission_id}", daemon=True
        )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        owner = self.owner
        next_beat = time.monotonic() + self.interval
        while not self._stop.wait(SHUTDOWN_POLL_SECONDS):
            if self.shutdown is not None and self.shutdown.is_set():
                self.lost.set()
                return
            if time.monotonic() < next_beat:
                continue
            next_beat = time.monotonic() + self.interval
            try:
                with session_scope(owner.factory) as session:
                    still_owned = lifecycle.beat(
                        session,
                        owner.submission_id,
                        worker_id=owner.worker_id,
                        attempt=owner.attempt,
                    )
            except Exception:
                # A database blip must not kill a job that is otherwise fine; the next
                # beat tries again (and the sweep is lenient: several intervals).
                logger.exception("heartbeat of submission %s failed", owner.submission_id)
                continue
            if not still_owned:
                logger.info("submission %s was cancelled or taken over", owner.submission_id)
                self.lost.set()
                return
