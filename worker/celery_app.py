"""The Celery application: `celery -A worker.celery_app worker` (or `ramplab worker`).

Reliability comes from the database, not the broker (see DESIGN.md): messages carry only
a submission id, tasks are idempotent, and a sweep re-sends what a broker lost. The
broker settings below follow Celery's guide for long tasks: acknowledge late (a worker
that dies mid-task leaves its message to be redelivered), take one message at a time,
and keep Redis from redelivering a message that is still being worked on by setting its
visibility timeout above the longest task.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from server.settings import get_settings
from worker.config import get_worker_config
from worker.task_names import CPU_QUEUE, SCORE_SUBMISSION_TASK


def task_time_limits(time_limit_seconds: int) -> tuple[int, int]:
    """(soft, hard) Celery limits for an event's sandbox limit: above it, with margins."""
    margin = get_worker_config().task_time_margin_seconds
    return time_limit_seconds + margin, time_limit_seconds + 2 * margin


def celery_config(broker_url: str | None = None) -> dict[str, Any]:
    settings = get_settings()
    longest = get_worker_config().max_time_limit_seconds
    return {
        "broker_url": broker_url or settings.broker_url,
        "result_backend": settings.result_backend_url,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": CPU_QUEUE,
        "task_routes": {SCORE_SUBMISSION_TASK: {"queue": CPU_QUEUE}},
        "broker_transport_options": {"visibility_timeout": task_time_limits(longest)[1] + 600},
        "broker_connection_retry_on_startup": True,
        # Keep consuming after the broker comes back rather than exit (the default is
        # about to change; the sweep re-sends what was lost meanwhile).
        "broker_connection_max_retries": None,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_hijack_root_logger": False,
        "task_serializer": "json",
        "accept_content": ["json"],
    }


def create_celery_app(broker_url: str | None = None) -> Celery:
    """A Celery app configured from the settings, with the scoring tasks registered."""
    celery = Celery("ramplab", include=["worker.tasks", "worker.blending_task"])
    celery.conf.update(celery_config(broker_url))
    return celery


app = create_celery_app()
