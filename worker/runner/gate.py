"""The sandboxed side of the start gate (see worker/sandbox/gate.py): wait to be let go.

Stdlib only: this runs inside the sandbox.
"""

from __future__ import annotations

import os
import signal

#: Names the gate's path inside the sandbox; unset when the run is not gated.
GATE_ENV = "SANDBOX_GATE"
#: What the worker writes to let the program go on.
GO = b"g"
#: A warm sandbox whose worker died never hears from it again: it ends itself after this.
IDLE_SECONDS = 3600


class DiscardedError(Exception):
    """The worker closed the gate without letting the program through."""


def wait_at_gate(idle_seconds: int = IDLE_SECONDS) -> None:
    """Block until the worker opens the gate; return at once for an ungated run.

    Raises DiscardedError when the worker threw the sandbox away instead.
    """
    path = os.environ.get(GATE_ENV)
    if not path:
        return
    # SIGALRM's default action ends the process: the bound on an orphan's idle life.
    signal.alarm(idle_seconds)
    try:
        fd = os.open(path, os.O_RDONLY)  # blocks until the worker opens it for writing
        try:
            signal_byte = os.read(fd, 1)
        finally:
            os.close(fd)
    finally:
        signal.alarm(0)
    if signal_byte != GO:
        raise DiscardedError
