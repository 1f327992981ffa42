"""The sandboxed side of the start gate (see worker/sandbox/gate.py): wait to be let go.

Stdlib only: this runs inside the sandbox.
"""

from __future__ import annotations

import os
import signal

#: Names the gate's folder inside the sandbox; unset when the run is not gated.
GATE_ENV = "SANDBOX_GATE"
#: The pipe the worker writes GO to, and the one this side tells it READY through.
GO_PIPE = "go"
READY_PIPE = "ready"
GO = b"g"
READY = b"r"
#: The longest a warm sandbox waits for its job, whatever happens to its worker.
IDLE_SECONDS = 3600


class DiscardedError(Exception):
    """The worker threw the sandbox away (or died) instead of letting the program go."""


def wait_at_gate(idle_seconds: int = IDLE_SECONDS) -> None:
    """Say the program is warm, then block until the worker opens the gate.

    Returns at once for an ungated run. Raises DiscardedError when the worker closed the
    gate without opening it: it discarded the sandbox, or it died (its end of the pipe
    closes with it, so an orphan does not wait for anything).
    """
    folder = os.environ.get(GATE_ENV)
    if not folder:
        return
    # SIGALRM's default action ends the process: a bound on the wait whatever happens.
    signal.alarm(idle_seconds)
    try:
        # Non-blocking open: it succeeds with or without a writer; a blocking read then
        # returns GO, or end-of-file at once if the worker's end is (already) closed.
        go = os.open(os.path.join(folder, GO_PIPE), os.O_RDONLY | os.O_NONBLOCK)
        try:
            os.set_blocking(go, True)
            _say_ready(os.path.join(folder, READY_PIPE))
            signal_byte = os.read(go, 1)
        finally:
            os.close(go)
    finally:
        signal.alarm(0)
    if signal_byte != GO:
        raise DiscardedError


def _say_ready(path: str) -> None:
    try:
        ready = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as error:  # ENXIO: nobody reads, the worker is gone
        raise DiscardedError from error
    try:
        os.write(ready, READY)
    finally:
        os.close(ready)
