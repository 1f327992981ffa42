"""The daemon: preload the libraries, then fork one child per ``ramplab test``.

One thread, one ``selectors`` loop: the listening socket, each client's connection
(signals to forward, or end of stream when the client died) and a pidfd per running
child (readable when it exits). Forking from a single-threaded process that has never
run an OpenMP or BLAS computation is what keeps the children safe.

Started by the client as::

    python -c "<set sys.path, then call main>" SYS_PATH_JSON SOCKET DIGEST
"""

from __future__ import annotations

import contextlib
import importlib
import os
import selectors
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .environment import (
    ModuleFiles,
    environment_key,
    first_changed_file,
    key_digest,
    loaded_module_files,
)
from .protocol import LineReader, ProtocolError, receive_request, send_message

#: Minutes without a run after which the daemon exits (``RAMPLAB_TEST_DAEMON_IDLE_MINUTES``).
IDLE_MINUTES = 15.0
#: What the daemon imports up front: ramplab's test command and the libraries kits use.
#: ``RAMPLAB_TEST_DAEMON_PRELOAD`` (comma-separated) adds more, e.g. ``torch``.
PRELOADED = (
    "worker.cli.test_command",
    "numpy",
    "pandas",
    "scipy.stats",
    "sklearn.base",
    "sklearn.compose",
    "sklearn.decomposition",
    "sklearn.ensemble",
    "sklearn.impute",
    "sklearn.linear_model",
    "sklearn.model_selection",
    "sklearn.neighbors",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "sklearn.svm",
    "sklearn.tree",
    "rampwf",
)
#: Exit code when the daemon's own environment differs from the one it was started for.
EXIT_WRONG_ENVIRONMENT = 3
_PEER_CREDENTIALS = struct.Struct("3i")
_STANDARD_STREAMS = 3


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def preload(extra: str = "") -> None:
    """Import :data:`PRELOADED` and ``extra``'s modules; a missing one is skipped."""
    names = [*PRELOADED, *(name.strip() for name in extra.split(",") if name.strip())]
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as error:
            _log(f"not preloading {name}: {error}")


@dataclass
class _Run:
    pid: int
    pidfd: int
    connection: socket.socket
    reader: LineReader


class Daemon:
    """The accept-fork-reap loop; :meth:`serve` returns when the daemon should exit."""

    def __init__(self, listener: socket.socket, socket_path: Path, key: dict[str, Any]) -> None:
        self.listener = listener
        self.socket_path = socket_path
        self.socket_inode = os.stat(socket_path).st_ino
        self.digest = key_digest(key)
        self.module_files: ModuleFiles = loaded_module_files()
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ, "accept")
        self.runs: dict[int, _Run] = {}
        self.accepting = True
        self.idle_seconds = 60 * float(
            os.environ.get("RAMPLAB_TEST_DAEMON_IDLE_MINUTES", IDLE_MINUTES)
        )
        self.last_activity = time.monotonic()

    # ----- the loop -------------------------------------------------------------------

    def serve(self) -> None:
        while self.accepting or self.runs:
            for key, _ in self.selector.select(timeout=1.0):
                if key.data == "accept":
                    self._accept()
                elif key.data[0] == "exited":
                    self._reap(key.data[1])
                else:
                    self._read_client(key.data[1])
            idle = time.monotonic() - self.last_activity
            if self.accepting and not self.runs and idle > self.idle_seconds:
                _log("idle: exiting")
                self.stop_accepting()
        self.selector.close()

    def stop_accepting(self) -> None:
        """Refuse new runs (the socket goes away); the loop ends once runs are done."""
        if not self.accepting:
            return
        self.accepting = False
        self.selector.unregister(self.listener)
        self.listener.close()
        # Only our own socket: a fresh daemon may already have taken the name.
        with contextlib.suppress(OSError):
            if os.stat(self.socket_path).st_ino == self.socket_inode:
                self.socket_path.unlink()

    # ----- one client -----------------------------------------------------------------

    def _accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        self.last_activity = time.monotonic()
        try:
            connection.settimeout(10)  # a client that never sends must not hang the loop
            self._handle(connection)
        except (OSError, ProtocolError) as error:
            _log(f"dropped a client: {error}")
            connection.close()

    def _handle(self, connection: socket.socket) -> None:
        credentials = connection.getsockopt(
            socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER_CREDENTIALS.size
        )
        _, uid, _ = _PEER_CREDENTIALS.unpack(credentials)
        if uid != os.getuid():
            raise ProtocolError(f"uid {uid} is not this daemon's user")
        request, fds = receive_request(connection, _STANDARD_STREAMS)
        try:
            # Leaving, the socket goes first: the client that is told so at once starts a
            # new daemon, and must not reach this one again on its way.
            if request.get("stop"):
                _log("asked to stop")
                self.stop_accepting()
                send_message(connection, {"refused": "stopping"})
                connection.close()
                return
            refusal = self._refusal(request, fds)
            if refusal is not None:
                _log(f"refused a run: {refusal[0]}")
                if refusal[1]:
                    self.stop_accepting()
                send_message(connection, {"refused": refusal[0], "stale": refusal[1]})
                connection.close()
                return
            self._start_run(connection, request, fds)
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _refusal(self, request: dict[str, Any], fds: list[int]) -> tuple[str, bool] | None:
        if len(fds) != _STANDARD_STREAMS:
            return f"expected {_STANDARD_STREAMS} file descriptors, got {len(fds)}", False
        if not isinstance(request.get("key"), dict) or key_digest(request["key"]) != self.digest:
            return "the command's environment differs from the daemon's", False
        changed = first_changed_file(self.module_files)
        if changed is not None:
            return f"{changed} changed since the daemon imported it", True
        return None

    def _start_run(
        self, connection: socket.socket, request: dict[str, Any], fds: list[int]
    ) -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            self._become_run(connection, request, fds)
        connection.settimeout(None)
        pidfd = os.pidfd_open(pid)
        run = _Run(pid, pidfd, connection, LineReader(connection))
        self.runs[pid] = run
        self.selector.register(pidfd, selectors.EVENT_READ, ("exited", pid))
        self.selector.register(connection, selectors.EVENT_READ, ("client", pid))
        try:
            send_message(connection, {"pid": pid})
        except OSError:
            self._kill(run)
        _log(f"run {pid}: {' '.join(request['argv'][1:])} in {request['cwd']}")

    def _become_run(
        self, connection: socket.socket, request: dict[str, Any], fds: list[int]
    ) -> None:
        from worker.cli import main

        from .child import become_client, run_command

        try:
            # Only the daemon may hold a client's connection: when the daemon dies, its
            # clients must see the end of the stream.
            connection.close()
            self.selector.close()
            self.listener.close()
            for run in self.runs.values():
                run.connection.close()
                os.close(run.pidfd)
            become_client(request, fds)
        except BaseException as error:  # nothing may escape a forked child
            with contextlib.suppress(OSError):
                os.write(2, f"ramplab: could not start the run: {error}\n".encode())
            os._exit(1)
        run_command(lambda: main(request["argv"][1:]))

    def _read_client(self, pid: int) -> None:
        run = self.runs.get(pid)
        if run is None:
            return
        try:
            messages, ended = run.reader.read_available()
        except (OSError, ProtocolError):
            messages, ended = [], True
        for message in messages:
            number = message.get("signal")
            if isinstance(number, int) and number in signal.valid_signals():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, number)
        if ended:
            # The client is gone (killed): nobody is left to see the run, so end it.
            self._kill(run)
            self.selector.unregister(run.connection)

    def _kill(self, run: _Run) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)

    def _reap(self, pid: int) -> None:
        run = self.runs.pop(pid)
        _, status = os.waitpid(pid, 0)
        # The fold workers of a run that died abruptly would outlive it otherwise.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        self.selector.unregister(run.pidfd)
        os.close(run.pidfd)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(run.connection)
        with contextlib.suppress(OSError):
            send_message(run.connection, {"exit": os.waitstatus_to_exitcode(status)})
        run.connection.close()
        self.last_activity = time.monotonic()
        _log(f"run {pid} ended: {os.waitstatus_to_exitcode(status)}")


def _listen(socket_path: Path) -> socket.socket:
    # Bound under a temporary name and renamed: the socket appears only once the daemon
    # is ready, so a client that connects never waits on the imports.
    temporary = socket_path.with_name(f"{socket_path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(temporary))
    os.chmod(temporary, 0o600)
    listener.listen(16)
    os.replace(temporary, socket_path)
    return listener


def main(arguments: list[str]) -> int:
    """Run the daemon for ``SOCKET DIGEST``; return its exit code."""
    socket_path, digest = Path(arguments[0]), arguments[1]
    # Ctrl-C in the terminal that started us is meant for that command, not for us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    key = environment_key()
    if key_digest(key) != digest:
        _log("this interpreter's environment differs from the command's; not starting")
        return EXIT_WRONG_ENVIRONMENT
    started = time.perf_counter()
    preload(os.environ.get("RAMPLAB_TEST_DAEMON_PRELOAD", ""))
    listener = _listen(socket_path)
    _log(f"ready in {time.perf_counter() - started:.2f} s on {socket_path} (pid {os.getpid()})")
    Daemon(listener, socket_path, key).serve()
    return 0
