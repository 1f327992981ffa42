"""How the web app hands work to the workers, without importing the worker package.

The server enqueues by task *name* (DESIGN.md: the server never imports `worker`). In
production, `ramplab serve` passes the worker's `send_score_task` in as a
`CallableQueue`: it routes GPU events to GPU workers, and in embedded mode wakes the
in-process worker (which polls the database anyway), and its blending module's
`request_blend`, which coalesces blend requests. A bare `create_app()` falls back to
Celery's `send_task` (with a broker) or a `RecordingQueue`; tests pass a `RecordingQueue`.
Every call happens after the request's commit (see `server.db.run_after_commit`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger(__name__)

# Copied from worker/task_names.py (the server reads no worker module).
SCORE_TASK_NAME = "ramplab.score_submission"
# Copied from worker/blending_task.py: its arguments are (event_id, token); an empty token
# runs one blend without Redis coalescing.
BLEND_TASK_NAME = "ramplab.blend_event"
CPU_QUEUE = "cpu"
GPU_QUEUE = "gpu"


class TaskQueue(Protocol):
    def enqueue_scoring(
        self, submission_id: int, *, gpus: int = 0, time_limit_seconds: int = 3600
    ) -> None: ...

    def cancel(self, submission_id: int) -> None: ...

    def request_blend(self, event_id: int) -> None: ...


@dataclass
class CeleryQueue:
    """Sends tasks by name to the broker the workers listen on."""

    broker_url: str

    def __post_init__(self) -> None:
        from celery import Celery  # only production needs it loaded

        self._celery = Celery("ramplab-web", broker=self.broker_url)

    def enqueue_scoring(
        self, submission_id: int, *, gpus: int = 0, time_limit_seconds: int = 3600
    ) -> None:
        # Only GPU workers consume the gpu queue.
        queue = GPU_QUEUE if gpus > 0 else CPU_QUEUE
        self._celery.send_task(SCORE_TASK_NAME, args=[submission_id], queue=queue)

    def cancel(self, submission_id: int) -> None:
        # The row is already `cancelled`: a running job sees it at its next heartbeat, and
        # a queued task finds it finished and does nothing. Nothing to send.
        pass

    def request_blend(self, event_id: int) -> None:
        self._celery.send_task(BLEND_TASK_NAME, args=[event_id, ""], queue=CPU_QUEUE)


@dataclass
class CallableQueue:
    """Calls the given functions, e.g. the worker's `send_score_task` and `request_blend`,
    which `ramplab serve` passes in: the first routes GPU events to GPU workers and sets the
    task's time limits, the second coalesces blend requests."""

    enqueue: Callable[..., object]
    cancel_function: Callable[[int], object] | None = None
    blend_function: Callable[[int], object] | None = None

    def enqueue_scoring(
        self, submission_id: int, *, gpus: int = 0, time_limit_seconds: int = 3600
    ) -> None:
        self.enqueue(submission_id, gpus=gpus, time_limit_seconds=time_limit_seconds)

    def cancel(self, submission_id: int) -> None:
        if self.cancel_function is not None:
            self.cancel_function(submission_id)

    def request_blend(self, event_id: int) -> None:
        if self.blend_function is not None:
            self.blend_function(event_id)


@dataclass
class RecordingQueue:
    """Remembers what it was asked to do (tests, and embedded mode with no worker)."""

    enqueued: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    blends_requested: list[int] = field(default_factory=list)

    def enqueue_scoring(
        self, submission_id: int, *, gpus: int = 0, time_limit_seconds: int = 3600
    ) -> None:
        logger.info("submission %s queued (no worker attached)", submission_id)
        self.enqueued.append(submission_id)

    def cancel(self, submission_id: int) -> None:
        self.cancelled.append(submission_id)

    def request_blend(self, event_id: int) -> None:
        logger.info("blend of event %s requested (no worker attached)", event_id)
        self.blends_requested.append(event_id)
