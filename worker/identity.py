"""How a worker names itself in `submissions.worker_id`."""

from __future__ import annotations

import os
import socket
import threading


def worker_identity(kind: str) -> str:
    """`<kind>@<host>:<pid>:<thread>`: unique among the live workers, readable in a listing."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
