"""The log keeps its head and tail; an output archive is extracted safely and capped."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from worker.sandbox.capture import LogCapture, extract_output


def test_log_keeps_head_and_tail_of_a_long_stream() -> None:
    log = LogCapture(100)
    log.feed(b"START" + b"." * 10_000)
    for _ in range(1000):
        log.feed(b"-" * 37)
    log.feed(b"Traceback: MemoryError")
    value = log.value()
    assert log.truncated
    assert value.startswith(b"START")
    assert value.endswith(b"Traceback: MemoryError")
    assert b"[log truncated: 46927 bytes omitted]" in value
    assert len(value.replace(b"\n[log truncated: 46927 bytes omitted]\n", b"")) == 100


def test_short_log_is_kept_whole() -> None:
    log = LogCapture(100)
    log.feed(b"a" * 60)
    log.feed(b"b" * 40)
    assert not log.truncated
    assert log.value() == b"a" * 60 + b"b" * 40


def _archive(members: list[tuple[tarfile.TarInfo, bytes]]) -> list[bytes]:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in members:
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    return [raw[i : i + 1000] for i in range(0, len(raw), 1000)]


def test_links_and_escaping_paths_are_not_extracted(tmp_path: Path) -> None:
    link = tarfile.TarInfo("output/passwd")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    chunks = _archive([(tarfile.TarInfo("output/pred.csv"), b"1,2"), (link, b"")])
    assert extract_output(chunks, tmp_path / "out", output_bytes=1000)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["pred.csv"]

    escaping = _archive([(tarfile.TarInfo("output/../../evil"), b"x")])
    assert extract_output(escaping, tmp_path / "out2", output_bytes=1000)
    assert not (tmp_path / "evil").exists()
    assert list((tmp_path / "out2").iterdir()) == []


def test_oversized_output_is_dropped_whole(tmp_path: Path) -> None:
    chunks = _archive(
        [(tarfile.TarInfo("output/a"), b"x" * 600), (tarfile.TarInfo("output/b"), b"y" * 600)]
    )
    assert not extract_output(chunks, tmp_path / "out", output_bytes=1000)
    assert list((tmp_path / "out").iterdir()) == []
