"""Unpacking an uploaded kit zip safely: no traversal, no links, no zip bombs."""

from __future__ import annotations

import stat
import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath

from server.errors import Invalid, PayloadTooLarge

MAX_KIT_ARCHIVE_FILES = 5_000
MAX_KIT_UNCOMPRESSED_BYTES = 512 * 1024**2
# Real data compresses maybe 20x; 200x is a bomb, whatever the total.
MAX_COMPRESSION_RATIO = 200


def _checked_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > MAX_KIT_ARCHIVE_FILES:
        raise PayloadTooLarge(f"The archive has more than {MAX_KIT_ARCHIVE_FILES} files.")
    total = 0
    for member in members:
        path = PurePosixPath(member.filename)
        if member.filename.startswith(("/", "\\")) or ".." in path.parts or ":" in path.parts[0]:
            raise Invalid(f"The archive holds an unsafe path: {member.filename!r}.")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise Invalid(f"The archive holds a symbolic link: {member.filename!r}.")
        total += member.file_size
        if total > MAX_KIT_UNCOMPRESSED_BYTES:
            raise PayloadTooLarge("The archive unpacks to more than 512 MiB.")
        if (
            member.compress_size
            and member.file_size / member.compress_size > (MAX_COMPRESSION_RATIO)
            and member.file_size > 1024**2
        ):
            raise PayloadTooLarge(f"{member.filename!r} is suspiciously compressed (zip bomb?).")
    return members


def extract_kit_archive(data: bytes, destination: Path) -> Path:
    """Unpack a kit zip into `destination`; return the folder that holds problem.py."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as error:
        raise Invalid("The upload is not a zip archive.") from error
    with archive:
        members = _checked_members(archive)
        destination.mkdir(parents=True, exist_ok=False)
        root = destination.resolve()
        for member in members:
            target = (root / member.filename).resolve()
            if not target.is_relative_to(root):
                raise Invalid(f"The archive holds an unsafe path: {member.filename!r}.")
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, target.open("wb") as sink:
                # Count what is actually written: the sizes in the header may lie.
                written = 0
                while chunk := source.read(1024 * 1024):
                    written += len(chunk)
                    if written > member.file_size or written > MAX_KIT_UNCOMPRESSED_BYTES:
                        raise PayloadTooLarge(f"{member.filename!r} is larger than announced.")
                    sink.write(chunk)
    if (root / "problem.py").is_file():
        return root
    candidates = [child for child in root.iterdir() if (child / "problem.py").is_file()]
    if len(candidates) != 1:
        raise Invalid("The archive has no problem.py at its top (or in its single folder).")
    return candidates[0]
