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
from worker.sandbox.gate import Gate
from worker.sandbox.spec import SandboxError, SandboxSpec

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


class StartedProcess:
    """A host process started now and supervised later.

    Between `__init__` and `supervise` it runs unsupervised (a warm-up with no time limit
    of its own); its log is captured from the start.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | None,
        log_bytes: int,
        kill_extra: Callable[[], None] = lambda: None,
        pass_fds: Sequence[int] = (),
    ) -> None:
        """`kill_extra` kills processes that escaped the process group (e.g. a cgroup's)."""
        self.log = LogCapture(log_bytes)
        self._kill_extra = kill_extra
        self._process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            pass_fds=tuple(pass_fds),
        )
        assert self._process.stdout is not None
        self._reader = threading.Thread(
            target=self.log.drain, args=(self._process.stdout,), daemon=True
        )
        self._reader.start()
        self.exited = threading.Event()
        self._status: list[tuple[int, int]] = []
        threading.Thread(target=self._wait_for_exit, daemon=True).start()

    def _wait_for_exit(self) -> None:
        # wait4, not Popen.wait: its rusage gives this child's own peak memory.
        _, wait_status, usage = os.wait4(self._process.pid, 0)
        self._status.append((wait_status, usage.ru_maxrss))
        self.exited.set()

    def supervise(
        self,
        *,
        wall_seconds: float,
        cancel: threading.Event | None,
        on_poll: Callable[[], object] = lambda: None,
    ) -> ProcessOutcome:
        """Wait until the process exits, `wall_seconds` from now are up or `cancel` is set.

        Then kill what is left of it. `on_poll` runs at every poll (opening a gate).
        """
        started = time.monotonic()
        timed_out = cancelled = False
        deadline = started + wall_seconds
        while not self.exited.wait(POLL_SECONDS):
            on_poll()
            if cancel is not None and cancel.is_set():
                cancelled = True
            elif time.monotonic() >= deadline:
                timed_out = True
            else:
                continue
            self._kill_and_wait()
            break
        wall = time.monotonic() - started
        return self._finish(timed_out=timed_out, cancelled=cancelled, wall=wall)

    def kill(self) -> None:
        """Kill the process, its group and whatever `kill_extra` reaches."""
        _kill_group(self._process.pid)
        self._kill_extra()

    def discard(self) -> None:
        """Kill the process without supervising it and wait for it to be gone."""
        self._kill_and_wait()
        self._finish(timed_out=False, cancelled=True, wall=0.0)

    def _kill_and_wait(self) -> None:
        self.kill()
        if not self.exited.wait(KILL_WAIT_SECONDS):
            raise SandboxError(f"process {self._process.pid} survived SIGKILL")

    def _finish(self, *, timed_out: bool, cancelled: bool, wall: float) -> ProcessOutcome:
        # Whatever the process left behind in its group (daemons, orphans) goes too.
        self.kill()
        process = self._process
        assert process.stdout is not None
        self._reader.join(LOG_DRAIN_SECONDS)
        if not self._reader.is_alive():  # else a survivor holds the pipe; closing would block
            process.stdout.close()
        wait_status, max_rss_kib = self._status[0]
        process.returncode = exit_code_from_status(wait_status)  # Popen must not reap it again
        return ProcessOutcome(
            exit_code=process.returncode,
            timed_out=timed_out,
            cancelled=cancelled,
            wall_seconds=wall,
            log=self.log,
            max_rss_bytes=max_rss_kib * 1024,
        )


class GatedProcessRun:
    """What the bubblewrap and local backends' started runs share (see StartedRun).

    A host process behind a gate (see gate.py); subclasses turn its outcome into a
    result in `release` and free their own resources in `_free`.
    """

    def __init__(self, spec: SandboxSpec, process: StartedProcess, gate: Gate) -> None:
        self._spec = spec
        self._process = process
        self._gate = gate
        self._cleaned_up = False

    def is_warm(self) -> bool:
        return self._process.exited.is_set() or self._gate.is_waiting()

    def _open_and_supervise(self, cancel: threading.Event | None) -> ProcessOutcome:
        """Open the gate and supervise the process to its end (killed if this fails)."""
        try:
            self._gate.open()
            return self._process.supervise(
                wall_seconds=self._spec.limits.wall_seconds, cancel=cancel, on_poll=self._gate.open
            )
        except BaseException:
            self._process.kill()
            raise

    def discard(self) -> None:
        if self._cleaned_up:  # released, or discarded before
            return
        try:
            self._process.discard()
        finally:
            self._clean_up()

    def _clean_up(self) -> None:
        self._cleaned_up = True
        self._gate.remove()
        self._free()

    def _free(self) -> None:
        """Release what the backend holds besides the process and the gate."""


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
