"""Checking the files of a submission before anything is stored.

Each refusal names the file and says what to do, since the student reads it in the
editor with their code still there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.errors import Invalid, PayloadTooLarge

# A plain file name: no folders, no leading dot, nothing a shell or a path would read
# specially. The sandbox writes these under its own folder.
FILE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")


def check_file_name(name: str) -> str:
    if "/" in name or "\\" in name or name in (".", "..") or "\x00" in name:
        raise Invalid(f"{name!r} is not allowed: file names cannot contain folders.")
    if not FILE_NAME_PATTERN.match(name):
        raise Invalid(
            f"{name!r} is not allowed: use letters, digits, dots, dashes and underscores."
        )
    return name


def check_files(
    files: Sequence[tuple[str, bytes]],
    *,
    element_names: Sequence[str],
    max_bytes: int,
    max_files: int,
) -> dict[str, str]:
    """The submission's files as {name: text}, or a clear refusal."""
    if not files:
        raise Invalid("The submission has no files.")
    if len(files) > max_files:
        raise Invalid(f"A submission has at most {max_files} files; this one has {len(files)}.")
    checked: dict[str, str] = {}
    total = 0
    for name, data in files:
        check_file_name(name)
        if name in checked:
            raise Invalid(f"Two files are named {name!r}; each file name must be unique.")
        total += len(data)
        if total > max_bytes:
            raise PayloadTooLarge(
                f"The submission is larger than the limit of {max_bytes:,} bytes; "
                "submit code, not data or trained models."
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Invalid(
                f"{name!r} is not a UTF-8 text file; submissions are source code."
            ) from error
        if "\x00" in text:
            raise Invalid(f"{name!r} looks like a binary file; submissions are source code.")
        checked[name] = text
    required = [f"{element}.py" for element in element_names]
    missing = [name for name in required if not checked.get(name, "").strip()]
    if missing:
        raise Invalid(
            f"Missing or empty: {', '.join(missing)}. This problem needs {', '.join(required)}."
        )
    return checked
