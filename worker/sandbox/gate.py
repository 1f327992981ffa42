"""The start gate: a sandbox started ahead of its job warms up, then waits to be released.

Starting a sandbox and importing numpy, pandas and scikit-learn in it takes seconds,
most of a short job. So a worker may start the *next* job's sandbox before that job
exists: its program loads everything it can (interpreter, libraries, kit, data) and
then waits at the gate; the job's files are written into its (still empty, read-only
mounted) submission folder and the gate is opened. Each sandbox still serves exactly one
job and is thrown away after it.

The gate is a host folder, mounted read-only in the sandbox at `GATE_DIR`, holding two
named pipes that the worker keeps open from the start: the sandboxed program writes a
byte to `ready` once it is warm, then blocks reading `go` until the worker writes a byte
there. If the worker dies or discards the sandbox, its ends of the pipes close and the
program's read returns end-of-file: it exits instead of waiting for nothing. Programs
that do not know the gate simply never use it: their run is not held back.

Pipes store nothing on disk, so the sandbox cannot fill the host's disk through them
(a pipe on a read-only mount can still be written to).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from worker.runner.gate import GATE_ENV, GO, GO_PIPE, READY_PIPE
from worker.sandbox.spec import Mount

#: Where the gate's folder appears inside every sandbox.
GATE_DIR = "/sandbox-gate"

__all__ = ["GATE_DIR", "GATE_ENV", "Gate"]


class Gate:
    """The worker's side of one sandbox's gate (fresh pipes per sandbox)."""

    def __init__(self, parent: Path | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gate-", dir=parent))
        self.dir.chmod(0o755)
        go, ready = self.dir / GO_PIPE, self.dir / READY_PIPE
        os.mkfifo(go)
        os.mkfifo(ready)
        go.chmod(0o644)  # the sandbox's uid (others) reads it...
        ready.chmod(0o622)  # ...and writes this one
        # Read-write opens never block on a pipe; holding both ends from the start is
        # what makes the program's read see end-of-file if this process dies.
        self._go: int | None = os.open(go, os.O_RDWR)
        self._ready: int | None = os.open(ready, os.O_RDWR | os.O_NONBLOCK)
        self._warm = False
        self.opened = False

    @property
    def mount(self) -> Mount:
        return Mount(self.dir, GATE_DIR)

    def env(self, inside_dir: str = GATE_DIR) -> dict[str, str]:
        """The variable that tells the sandboxed program where its gate is."""
        return {GATE_ENV: inside_dir}

    def is_waiting(self) -> bool:
        """True once the program said it is warm (and from then on)."""
        if not self._warm and self._ready is not None:
            with contextlib.suppress(BlockingIOError):
                self._warm = bool(os.read(self._ready, 1))
        return self._warm

    def open(self) -> bool:
        """Let the program through if it is waiting; False when it is not (yet)."""
        if self.opened:
            return True
        if not self.is_waiting() or self._go is None:
            return False
        os.write(self._go, GO)  # cannot block: the pipe is empty and holds 64 KiB
        self.opened = True
        return True

    def remove(self) -> None:
        """Close the pipes (a program still waiting reads end-of-file) and delete them."""
        for fd in (self._go, self._ready):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._go = self._ready = None
        shutil.rmtree(self.dir, ignore_errors=True)
