"""The ``ramplab test`` side: run the command through a daemon, starting one if needed.

:func:`run_through_daemon` returns the command's exit code, or None when the command
should run in this process instead (daemon turned off, no private folder for it, a
daemon that cannot start or refuses). It never runs a command twice: once a daemon has
said it started the command, its outcome is final.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from .environment import environment_key, key_digest, runtime_dir
from .protocol import LineReader, ProtocolError, send_request
from .server import IDLE_MINUTES

#: How long a first run waits for a new daemon to import its libraries.
START_TIMEOUT_SECONDS = 60.0
#: Linux's limit on a socket's path (107 bytes), less the daemon's temporary suffix.
MAX_SOCKET_PATH_BYTES = 107 - len(".4194304")
#: The daemons' log is appended to, and started afresh past this size.
_MAX_LOG_BYTES = 1 << 20
#: Signals a terminal or a supervisor sends to the command, passed on to it.
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
_STARTER = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from worker.cli.test_daemon.server import main; sys.exit(main(sys.argv[2:]))"
)


def daemon_enabled(arguments: list[str]) -> bool:
    """Whether this ``ramplab test`` may go through a daemon (Linux only: pidfds)."""
    setting = os.environ.get("RAMPLAB_TEST_DAEMON", "1").strip().lower()
    return (
        setting not in ("0", "false", "no", "off")
        and "--no-daemon" not in arguments
        and hasattr(os, "pidfd_open")
    )


def _say(message: str) -> None:
    print(f"ramplab: {message}", file=sys.stderr, flush=True)


def _connect(path: Path) -> socket.socket | None:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
    except OSError:
        connection.close()
        return None
    return connection


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # One client starts the daemon; the others wait here and then connect to it.
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _start_daemon(socket_path: Path, digest: str, why: str) -> socket.socket | None:
    log_path = socket_path.with_suffix(".log")
    with _locked(socket_path.with_suffix(".lock")):
        connection = _connect(socket_path)
        if connection is not None:
            return connection
        with contextlib.suppress(FileNotFoundError):
            socket_path.unlink()  # left by a daemon that was killed
        _say(
            f"{why}: starting a background process that keeps the libraries imported, so "
            "the next runs start at once (RAMPLAB_TEST_DAEMON=0 turns it off; it exits "
            f"after {IDLE_MINUTES:g} idle minutes)"
        )
        with contextlib.suppress(FileNotFoundError):
            if log_path.stat().st_size > _MAX_LOG_BYTES:
                log_path.unlink()
        with open(log_path, "a") as log:
            daemon = subprocess.Popen(
                [sys.executable, "-c", _STARTER, json.dumps(sys.path), str(socket_path), digest],
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            connection = _connect(socket_path)
            if connection is not None:
                return connection
            if daemon.poll() is not None:
                _say(f"the background process did not start (see {log_path}); running here")
                return None
            time.sleep(0.02)
        daemon.kill()
        _say(f"the background process took too long to start (see {log_path}); running here")
        return None


def _request(arguments: list[str], key: dict[str, Any]) -> dict[str, Any]:
    streams = {"stdin": sys.stdin, "stdout": sys.stdout, "stderr": sys.stderr}
    umask = os.umask(0)
    os.umask(umask)
    return {
        "argv": [sys.argv[0], *arguments],
        "cwd": os.getcwd(),
        "environ": dict(os.environ),
        "umask": umask,
        "path": sys.path,
        "key": key,
        "encodings": {
            name: [getattr(stream, "encoding", None) or "utf-8", stream.errors or "strict"]
            for name, stream in streams.items()
        },
    }


def _standard_streams_open() -> bool:
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            return False
    return all(stream is not None for stream in (sys.stdin, sys.stdout, sys.stderr))


class _SignalForwarder:
    """While the command runs, signals to this process go to the command's group."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _SignalForwarder:
        for number in _FORWARDED:
            self.previous[number] = signal.signal(number, self._forward)
        self.previous[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, self._suspend)
        self.previous[signal.SIGCONT] = signal.signal(signal.SIGCONT, self._resume)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)

    def _send(self, number: int) -> None:
        with contextlib.suppress(OSError):
            self.connection.sendall(json.dumps({"signal": number}).encode() + b"\n")

    def _forward(self, number: int, frame: FrameType | None) -> None:
        self._send(number)

    def _suspend(self, number: int, frame: FrameType | None) -> None:
        # Ctrl-Z: the command is not in the terminal's process group, so stop it too.
        # (SIGSTOP: SIGTSTP is ignored by a process group with no parent in the session.)
        self._send(signal.SIGSTOP)
        os.kill(os.getpid(), signal.SIGSTOP)

    def _resume(self, number: int, frame: FrameType | None) -> None:
        self._send(signal.SIGCONT)


def _outcome(code: int) -> int:
    if code >= 0:
        return code
    # The command died of a signal: die of the same one, so the shell sees what it
    # would have seen without the daemon.
    number = -code
    with contextlib.suppress(OSError, ValueError):
        signal.signal(number, signal.SIG_DFL)
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), number)
    return 128 + number


def _open_daemon(arguments: list[str]) -> tuple[socket.socket, LineReader, int] | None:
    """Connect (starting a daemon if needed) and have it start the command."""
    folder = runtime_dir()
    if folder is None:
        _say("no private folder for the background process; running here")
        return None
    key = environment_key()
    digest = key_digest(key)
    socket_path = folder / f"test-{digest}.sock"
    if len(os.fsencode(socket_path)) > MAX_SOCKET_PATH_BYTES:
        _say(
            f"{folder} is too long a path for a Unix socket (RAMPLAB_TEST_DAEMON_DIR can "
            "name a shorter one); running here"
        )
        return None
    why = "first run here"
    # A stale daemon (its libraries changed) is replaced, once; a daemon that hung up
    # before starting the command (it was leaving) is tried again, once.
    for _ in range(2):
        connection = _connect(socket_path) or _start_daemon(socket_path, digest, why)
        if connection is None:
            return None
        try:
            send_request(connection, _request(arguments, key), [0, 1, 2])
            reader = LineReader(connection)
            reply = reader.read()
        except (OSError, ProtocolError):
            reply = None
        if reply is not None and isinstance(reply.get("pid"), int):
            return connection, reader, reply["pid"]
        connection.close()
        if reply is not None and not reply.get("stale"):
            return None
        if reply is not None:
            why = f"libraries changed ({reply.get('refused')})"
    return None


def run_through_daemon(arguments: list[str]) -> int | None:
    """Run ``ramplab <arguments>`` in a daemon's child; its exit code, or None."""
    if not daemon_enabled(arguments) or not _standard_streams_open():
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        opened = _open_daemon(arguments)
    except Exception as error:  # nothing has run yet: the command can still run here
        _say(f"could not use the background process ({error!r}); running here")
        return None
    if opened is None:
        return None
    connection, reader, pid = opened
    code = None
    with connection, _SignalForwarder(connection), contextlib.suppress(OSError, ProtocolError):
        while code is None and (message := reader.read()) is not None:
            if isinstance(message.get("exit"), int):
                code = message["exit"]
    if code is None:
        # Without its daemon nobody would report on the run: stop it rather than let it
        # write to this terminal after the command has returned.
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        _say("the background process running this command died; its outcome is unknown")
        return 1
    return _outcome(code)


def stop_daemons() -> int:
    """Ask every daemon of this user to exit once its runs are done; how many were asked."""
    folder = runtime_dir()
    if folder is None:
        return 0
    stopped = 0
    for socket_path in sorted(folder.glob("test-*.sock")):
        connection = _connect(socket_path)
        if connection is None:
            continue
        with connection:
            try:
                send_request(connection, {"stop": True}, [])
                LineReader(connection).read()
                stopped += 1
            except (OSError, ProtocolError):
                pass
    return stopped


def stop_command() -> int:
    """``ramplab test --stop-daemon``."""
    print(f"Asked {stop_daemons()} ramplab test daemon(s) to stop.")
    return 0
