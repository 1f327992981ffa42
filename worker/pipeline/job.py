"""The per-submission part of a job folder: the submission's files and the output folder.

The kit copy and the inputs are shared by every job of a kit (see kit_cache); what is
written here is only this submission's code, read-only inside the sandbox.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from worker.config import get_worker_config
from worker.pipeline.kit_cache import make_world_readable


class BadSubmissionFilesError(ValueError):
    """A file name that is not a plain name (the web app should have refused it)."""


@dataclass(frozen=True)
class JobDir:
    submission_dir: Path
    output_dir: Path


@contextmanager
def job_dir(files: Mapping[str, bytes], *, prefix: str) -> Iterator[JobDir]:
    """A temporary folder with the submission's `files`, removed when the block ends."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=get_worker_config().resolved_work_dir()))
    try:
        submission_dir = root / "submission"
        submission_dir.mkdir()
        for name, data in files.items():
            if not is_plain_file_name(name):
                raise BadSubmissionFilesError(f"{name!r} is not a plain file name.")
            (submission_dir / name).write_bytes(data)
        make_world_readable(root)
        yield JobDir(submission_dir=submission_dir, output_dir=root / "output")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def is_plain_file_name(name: str) -> bool:
    """A name with no folder part, not hidden and not `.`/`..`."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")
