"""Bounded capture of what a sandbox gives back: its log and its output directory.

Both are untrusted. The log keeps its head and its tail (the traceback that explains a
failure is at the end) and drops the middle; the output archive is read as a stream,
counted, and only regular files and directories are extracted.
"""

from __future__ import annotations

import shutil
import tarfile
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO

CHUNK_BYTES = 64 * 1024
#: Most files accepted in an output directory; bounds the archive's header overhead too.
MAX_OUTPUT_FILES = 10_000
#: Extra room in the output tmpfs beyond `output_bytes`, so that a submission that writes
#: too much is told apart from one that exactly fills it, and reported as output_too_large.
OUTPUT_SLACK_BYTES = 1024 * 1024
TRUNCATION_MARKER = b"\n[log truncated: %d bytes omitted]\n"


class LogCapture:
    """Keeps at most `limit` bytes of a stream: its first and last halves."""

    def __init__(self, limit: int) -> None:
        self._head_limit = limit // 2
        self._tail_limit = limit - self._head_limit
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.total_bytes = 0

    def feed(self, data: bytes) -> None:
        self.total_bytes += len(data)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        data = data[-self._tail_limit :]
        self._tail.append(data)
        self._tail_size += len(data)
        while self._tail and self._tail_size - len(self._tail[0]) >= self._tail_limit:
            self._tail_size -= len(self._tail.popleft())

    def drain(self, stream: IO[bytes]) -> None:
        """Read `stream` to its end, chunk by chunk, so memory stays bounded."""
        read = getattr(stream, "read1", stream.read)  # read1: whatever is there, no waiting
        while chunk := read(CHUNK_BYTES):
            self.feed(chunk)

    @property
    def truncated(self) -> bool:
        return self.total_bytes > self._head_limit + self._tail_limit

    def value(self) -> bytes:
        tail = b"".join(self._tail)
        if not self.truncated:
            return bytes(self._head) + tail
        tail = tail[-self._tail_limit :]
        omitted = self.total_bytes - len(self._head) - len(tail)
        return bytes(self._head) + TRUNCATION_MARKER % omitted + tail


class OutputTooLargeError(Exception):
    """The sandbox's output exceeded its cap; nothing of it is kept."""


class _CappedReader:
    """A file-like view of byte chunks that refuses to yield more than `cap` bytes."""

    def __init__(self, chunks: Iterable[bytes], cap: int) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""
        self._cap = cap
        self._consumed = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self._consumed += len(data)
        if self._consumed > self._cap:
            raise OutputTooLargeError
        return data


def archive_cap(output_bytes: int) -> int:
    """Largest tar stream accepted for `output_bytes` of files (headers and padding)."""
    return output_bytes + (MAX_OUTPUT_FILES + 4) * 1024 + 10 * 1024


def extract_output(chunks: Iterable[bytes], destination: Path, *, output_bytes: int) -> bool:
    """Extract a tar stream whose top folder is the output dir into `destination`.

    Returns False, and leaves `destination` empty, when the files exceed `output_bytes`
    (or the archive its cap). Links, devices and paths escaping `destination` are dropped.
    """
    destination.mkdir(parents=True, exist_ok=True)
    total = 0
    files = 0
    try:
        reader = _CappedReader(chunks, archive_cap(output_bytes))
        with tarfile.open(fileobj=reader, mode="r|") as archive:  # type: ignore[call-overload]
            for member in archive:
                relative = PurePosixPath(*PurePosixPath(member.name).parts[1:])
                if not relative.parts or not (member.isfile() or member.isdir()):
                    continue
                files += 1
                total += member.size
                if total > output_bytes or files > MAX_OUTPUT_FILES:
                    raise OutputTooLargeError
                member.name = str(relative)
                archive.extract(member, destination, filter="data")
    except OutputTooLargeError:
        _empty(destination)
        return False
    except tarfile.TarError:
        # A missing or corrupt archive (the sandbox died before writing it) means no output.
        _empty(destination)
    return True


def _empty(directory: Path) -> None:
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def directory_size(directory: Path) -> int:
    """Total size of the regular files under `directory` (symlinks not followed)."""
    return sum(
        p.lstat().st_size for p in directory.rglob("*") if p.is_file() and not p.is_symlink()
    )
