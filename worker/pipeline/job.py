"""The per-submission part of a job folder: the submission's files and the output folder.

The kit copy and the inputs are shared by every job of a kit (see kit_cache); what is
written here is only this submission's code, read-only inside the sandbox. A folder can
be made before its submission is known (for a sandbox started ahead, see warm.py): the
files are written into it later, while the sandbox already has it mounted.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from worker.config import get_worker_config
from worker.pipeline.kit_cache import make_world_readable


class BadSubmissionFilesError(ValueError):
    """A file name that is not a plain name (the web app should have refused it)."""


@dataclass(frozen=True)
class JobDir:
    root: Path
    submission_dir: Path
    output_dir: Path

    @classmethod
    def create(cls, *, prefix: str) -> JobDir:
        """An empty job folder under the worker's work folder."""
        root = Path(tempfile.mkdtemp(prefix=prefix, dir=get_worker_config().resolved_work_dir()))
        folders = cls(root=root, submission_dir=root / "submission", output_dir=root / "output")
        folders.submission_dir.mkdir()
        make_world_readable(root)
        return folders

    def write_submission(self, files: Mapping[str, bytes]) -> None:
        """Write the submission's files, readable by the sandbox's user."""
        for name in files:
            if not is_plain_file_name(name):
                raise BadSubmissionFilesError(f"{name!r} is not a plain file name.")
        for name, data in files.items():
            path = self.submission_dir / name
            path.write_bytes(data)
            path.chmod(0o644)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def is_plain_file_name(name: str) -> bool:
    """A name with no folder part, not hidden and not `.`/`..`."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")
