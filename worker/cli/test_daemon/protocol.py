"""The daemon's wire format, over a Unix stream socket.

The client opens with a request: an 8-byte length, carrying the client's stdin, stdout
and stderr as SCM_RIGHTS file descriptors, then that many bytes of JSON. After that,
both sides exchange JSON objects, one per line:

- daemon -> client: ``{"pid": N}`` once the command runs in process N, then
  ``{"exit": CODE}`` (negative: killed by that signal); or ``{"refused": WHY,
  "stale": BOOL}`` instead of both when it will not run the command;
- client -> daemon: ``{"signal": N}`` to deliver a signal to the command's process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
from typing import Any

_LENGTH = struct.Struct("!Q")
#: A request is argv, environment and paths: far below this.
MAX_REQUEST_BYTES = 4 * 1024 * 1024


class ProtocolError(Exception):
    """The other side sent something that is not this protocol."""


def send_request(connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """Send ``request`` with ``fds`` attached."""
    body = json.dumps(request).encode()
    header = _LENGTH.pack(len(body))
    if fds:
        socket.send_fds(connection, [header], fds)
    else:
        connection.sendall(header)
    connection.sendall(body)


def _receive_exactly(connection: socket.socket, size: int) -> bytes:
    chunks, received = [], 0
    while received < size:
        chunk = connection.recv(min(size - received, 1 << 16))
        if not chunk:
            raise ProtocolError("the connection closed in the middle of a request")
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


def receive_request(connection: socket.socket, n_fds: int) -> tuple[dict[str, Any], list[int]]:
    """Receive a request and its file descriptors (the caller owns and closes them)."""
    header, fds, _, _ = socket.recv_fds(connection, _LENGTH.size, n_fds)
    try:
        if len(header) != _LENGTH.size:
            raise ProtocolError("a request must start with its length")
        (size,) = _LENGTH.unpack(header)
        if size > MAX_REQUEST_BYTES:
            raise ProtocolError(f"a request of {size} bytes is too large")
        request = json.loads(_receive_exactly(connection, size))
        if not isinstance(request, dict):
            raise ProtocolError("a request must be a JSON object")
    except (ProtocolError, ValueError):
        for fd in fds:
            _close_quietly(fd)
        raise
    return request, fds


def send_message(connection: socket.socket, message: dict[str, Any]) -> None:
    """Send one JSON line."""
    connection.sendall(json.dumps(message).encode() + b"\n")


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


class LineReader:
    """Reads the JSON lines one side sends; :meth:`read` returns None at end of stream."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.buffer = b""

    def read(self) -> dict[str, Any] | None:
        """The next message, blocking; None once the other side has closed."""
        while b"\n" not in self.buffer:
            chunk = self.connection.recv(4096)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return self._decode(line)

    def read_available(self) -> tuple[list[dict[str, Any]], bool]:
        """Messages readable without blocking (one recv), and whether the stream ended."""
        chunk = self.connection.recv(4096)
        self.buffer += chunk
        messages = []
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            messages.append(self._decode(line))
        return messages, not chunk

    @staticmethod
    def _decode(line: bytes) -> dict[str, Any]:
        try:
            message = json.loads(line)
        except ValueError as error:
            raise ProtocolError(f"not a JSON line: {line[:80]!r}") from error
        if not isinstance(message, dict):
            raise ProtocolError("a message must be a JSON object")
        return message
