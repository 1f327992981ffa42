"""Run a host process under a wall-clock limit, with cancellation and a capped log.

Shared by the bubblewrap and local backends. The process gets its own session so that a
kill reaches its whole process group; the log pipe is read incrementally by a thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from worker.sandbox.capture import LogCapture
from worker.sandbox.spec import SandboxError

POLL_SECONDS = 0.02
KILL_WAIT_SECONDS = 30.0
#: How long to wait for the log pipe to close once the process is gone.
LOG_DRAIN_SECONDS = 2.0


@dataclass(frozen=True)
class ProcessOutcome:
    exit_code: int
    timed_out: bool
    cancelled: bool
    wall_seconds: float
    log: LogCapture
    max_rss_bytes: int


def exit_code_from_status(status: int) -> int:
    """Shell convention: a death by signal N is reported as 128 + N (137 for SIGKILL)."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def run_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: str | None,
    wall_seconds: float,
    log_bytes: int,
    cancel: threading.Event | None,
    kill_extra: Callable[[], None] = lambda: None,
    pass_fds: Sequence[int] = (),
) -> ProcessOutcome:
    """Run `argv` until it exits, its time is up or `cancel` is set; then kill what is left.

    `kill_extra` kills processes that escaped the process group (e.g. a cgroup's).
    """
    log = LogCapture(log_bytes)
    started = time.monotonic()
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,
        pass_fds=tuple(pass_fds),
    )
    assert process.stdout is not None
    reader = threading.Thread(target=log.drain, args=(process.stdout,), daemon=True)
    reader.start()
    exited = threading.Event()
    status: list[tuple[int, int]] = []

    def wait_for_exit() -> None:
        # wait4, not Popen.wait: its rusage gives this child's own peak memory.
        _, wait_status, usage = os.wait4(process.pid, 0)
        status.append((wait_status, usage.ru_maxrss))
        exited.set()

    waiter = threading.Thread(target=wait_for_exit, daemon=True)
    waiter.start()

    timed_out = cancelled = False
    deadline = started + wall_seconds
    while not exited.wait(POLL_SECONDS):
        if cancel is not None and cancel.is_set():
            cancelled = True
        elif time.monotonic() >= deadline:
            timed_out = True
        else:
            continue
        _kill_group(process.pid)
        kill_extra()
        if not exited.wait(KILL_WAIT_SECONDS):
            raise SandboxError(f"process {process.pid} survived SIGKILL")
        break
    wall = time.monotonic() - started
    # Whatever the process left behind in its group (daemons, orphans) goes too.
    _kill_group(process.pid)
    kill_extra()
    reader.join(LOG_DRAIN_SECONDS)
    if not reader.is_alive():  # else a survivor holds the pipe; closing would block on it
        process.stdout.close()
    wait_status, max_rss_kib = status[0]
    process.returncode = exit_code_from_status(wait_status)  # Popen must not reap it again
    return ProcessOutcome(
        exit_code=process.returncode,
        timed_out=timed_out,
        cancelled=cancelled,
        wall_seconds=wall,
        log=log,
        max_rss_bytes=max_rss_kib * 1024,
    )


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
