"""The start gate: a sandbox started ahead of its job warms up, then waits to be released.

Starting a sandbox and importing numpy, pandas and scikit-learn in it takes seconds,
most of a short job. So a worker may start the *next* job's sandbox before that job
exists: its program loads everything it can (interpreter, libraries, kit, data) and
then waits at the gate; the job's files are written into its (still empty, read-only
mounted) submission folder and the gate is opened. Each sandbox still serves exactly one
job and is thrown away after it.

The gate is a named pipe in a host folder mounted read-only in the sandbox at
`GATE_PATH`. The sandboxed program opens it for reading when it is warm, which blocks;
the worker's non-blocking open for writing fails until then, which is how the worker
knows the sandbox is warm; the byte it writes lets the program go on. Programs that do
not know the gate simply never open it: their run is not held back.

The pipe is the only thing in that folder, and a pipe stores nothing on disk, so the
sandbox cannot fill the host's disk through it (writing to a pipe on a read-only mount
is allowed).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path

from worker.runner.gate import GATE_ENV, GO
from worker.sandbox.spec import Mount

#: Where the gate's folder appears inside every sandbox.
GATE_DIR = "/sandbox-gate"
GATE_PATH = f"{GATE_DIR}/go"

__all__ = ["GATE_DIR", "GATE_ENV", "GATE_PATH", "Gate"]


class Gate:
    """The worker's side of one sandbox's gate (a fresh pipe per sandbox)."""

    def __init__(self, parent: Path | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gate-", dir=parent))
        self.dir.chmod(0o755)
        self.path = self.dir / "go"
        os.mkfifo(self.path)
        self.path.chmod(0o644)  # the sandbox's uid (others) reads it
        self._fd: int | None = None
        self.opened = False

    @property
    def mount(self) -> Mount:
        return Mount(self.dir, GATE_DIR)

    def env(self, inside_path: str = GATE_PATH) -> dict[str, str]:
        """The variable that tells the sandboxed program where its gate is."""
        return {GATE_ENV: inside_path}

    def is_waiting(self) -> bool:
        """True once the program is warm and waiting at the gate (or was let through)."""
        if self._fd is None and not self.opened:
            try:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno == errno.ENXIO:  # nobody reads yet: still warming up
                    return False
                raise
        return True

    def open(self) -> bool:
        """Let the program through if it is waiting; False when it is not (yet)."""
        if self.opened:
            return True
        if not self.is_waiting():
            return False
        assert self._fd is not None
        with contextlib.suppress(BrokenPipeError):  # it died meanwhile: the run says so
            os.write(self._fd, GO)
        self._close_fd()
        self.opened = True
        return True

    def remove(self) -> None:
        """Close the pipe (a program still waiting reads end-of-file) and delete it."""
        self._close_fd()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
