"""Sandboxes started ahead of their job, so that a job finds one already warm.

A job's sandbox spends most of a short job starting up: the container or namespaces,
then importing numpy, pandas and scikit-learn and loading the kit and its data. Once a
job is done, its worker starts the sandbox for a next job of the same kit and limits;
the runner in it loads everything and waits at its gate (see worker/sandbox/gate.py)
until a job's files are written into its empty submission folder. Each sandbox still
serves exactly one submission and is thrown away after it, so nothing is shared between
submissions that was not shared before: a warm sandbox only moves the start-up earlier.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from worker.pipeline.job import JobDir
from worker.runner.gate import IDLE_SECONDS
from worker.sandbox import Limits, Sandbox, SandboxSpec, StartedRun

logger = logging.getLogger(__name__)

#: Idle warm sandboxes kept per worker process (one per concurrent job is enough).
MAX_IDLE = 2
#: An idle sandbox older than this is replaced rather than used: well within the life
#: its runner gives itself at the gate (worker/runner/gate.py), so a taken one is alive.
MAX_IDLE_SECONDS = IDLE_SECONDS / 2
POLL_SECONDS = 0.01

#: The sandbox spec of a job, given its job folder.
SpecFactory = Callable[[JobDir], SandboxSpec]


@dataclass(frozen=True)
class WarmKey:
    """What a warm sandbox was started for: it only serves a job with the same key."""

    sandbox: str
    kit_copy: Path
    limits: Limits


@dataclass(frozen=True)
class StartedJob:
    """A started sandbox with its (so far empty) job folder."""

    key: WarmKey
    folders: JobDir
    run: StartedRun
    started_at: float = field(default_factory=time.monotonic)

    def is_stale(self) -> bool:
        return time.monotonic() - self.started_at > MAX_IDLE_SECONDS

    def discard(self) -> None:
        try:
            self.run.discard()
        finally:
            self.folders.remove()


class WarmPool:
    """The idle warm sandboxes of one worker process."""

    def __init__(self, max_idle: int = MAX_IDLE) -> None:
        self._lock = threading.Lock()
        self._idle: list[StartedJob] = []
        self._max_idle = max_idle

    def take(self, key: WarmKey) -> StartedJob | None:
        """An idle sandbox started for `key`, now the caller's; None if there is none."""
        with self._lock:
            stale = [job for job in self._idle if job.is_stale()]
            self._idle = [job for job in self._idle if job not in stale]
            taken = next((job for job in self._idle if job.key == key), None)
            if taken is not None:
                self._idle.remove(taken)
        for job in stale:
            _discard_quietly(job)
        return taken

    def put(self, job: StartedJob) -> None:
        """Keep `job` for a later `take`; the oldest idle one goes if there are too many."""
        with self._lock:
            self._idle.append(job)
            surplus = self._idle[: max(0, len(self._idle) - self._max_idle)]
            del self._idle[: len(surplus)]
        for old in surplus:
            _discard_quietly(old)

    def discard_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for job in idle:
            _discard_quietly(job)

    def __len__(self) -> int:
        with self._lock:
            return len(self._idle)


def wait_until_warm(job: StartedJob, timeout: float) -> bool:
    """Block until `job`'s program waits at its gate (or ended); False after `timeout`."""
    deadline = time.monotonic() + timeout
    while not job.run.is_warm():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def start_job(sandbox: Sandbox, key: WarmKey, spec_for: SpecFactory) -> StartedJob:
    """Make an empty job folder and start `sandbox` on it."""
    folders = JobDir.create(prefix="job-")
    try:
        run = sandbox.start(spec_for(folders))
    except BaseException:
        folders.remove()
        raise
    return StartedJob(key=key, folders=folders, run=run)


def _discard_quietly(job: StartedJob) -> None:
    with contextlib.suppress(Exception):
        job.discard()
