"""Celery tasks. They carry only ids; the database row says what is left to do."""

from __future__ import annotations

import logging

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown, worker_ready

from server.db import get_engine, session_scope
from worker.celery_app import app
from worker.config import get_worker_config
from worker.identity import worker_identity
from worker.pipeline import Result, process_submission
from worker.pipeline.sandboxes import remove_stale_containers, worker_warm_pool
from worker.queueing import resend_submission
from worker.sweep import Sweeper, start_sweep_thread
from worker.task_names import SCORE_SUBMISSION_TASK

logger = logging.getLogger(__name__)


@app.task(name=SCORE_SUBMISSION_TASK, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def score_submission(submission_id: int) -> str:
    """Train and score a queued submission; do nothing if it is not queued any more.

    Idempotent: a redelivered message for a scored, failed, cancelled or running
    submission finds nothing to claim and returns at once.
    """
    report = process_submission(
        submission_id,
        worker_id=worker_identity("celery"),
        timeout_errors=(SoftTimeLimitExceeded,),
    )
    if report.result is Result.RETRY:
        with session_scope() as session:
            resend_submission(session, submission_id, countdown=report.retry_in or 0)
    logger.info("submission %s: %s", submission_id, report.result)
    return str(report.result)


@worker_ready.connect  # type: ignore[untyped-decorator]
def _start_sweeping(**_: object) -> None:
    # In the worker's main process, not in a pool child: it keeps sweeping while every
    # child is busy with a long submission, and dies with the worker.
    if get_worker_config().sweep_in_worker:
        start_sweep_thread(Sweeper(resend=resend_submission))
    remove_stale_containers()


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _forget_inherited_connections(**_: object) -> None:
    # A pool child forked from the main process must not reuse its database sockets
    # (the sweep thread's): drop them from the child's pool without closing them.
    get_engine().dispose(close=False)


@worker_process_shutdown.connect  # type: ignore[untyped-decorator]
def _discard_warm_sandboxes(**_: object) -> None:
    # A pool child leaves through os._exit, so atexit handlers never run: its idle warm
    # sandboxes (containers especially, which outlive it) are removed here.
    worker_warm_pool().discard_all()
