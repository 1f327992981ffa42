"""The job folder shared by the trusted worker (which writes it) and the runner (inside).

Both sides import these names, so the layout is spelled in one place::

    /job/kit/          problem.py and its helper modules, read-only, no data/
    /job/submission/   the submission's files, read-only
    /job/input/        X_train, y_train, X_test, folds (pickles written by the worker)
    /job/output/       fold_<i>/ predictions and times, result.json (written by the runner)

Test labels are never written here: scoring happens outside the sandbox.
"""

from __future__ import annotations

from pathlib import Path

JOB_ROOT = "/job"
KIT_DIR = "kit"
SUBMISSION_DIR = "submission"
INPUT_DIR = "input"
OUTPUT_DIR = "output"

#: Pickled inputs. Pickle is fine in this direction only: the worker writes, the runner
#: reads. What comes back out of the sandbox is never unpickled.
INPUT_FILES = ("X_train", "y_train", "X_test", "folds")
INPUT_SUFFIX = ".pkl"

RESULT_FILE = "result.json"
#: Written once the inputs are loaded, just before submission code first runs: a run that
#: ends with it but without a result died in the submission (os._exit, a segfault); one
#: without it never got that far, which is the platform's fault.
STARTED_FILE = "started"
STATUS_OK = "ok"
STATUS_FAILED = "failed"
#: The runner's own failure kind for a kit that does not load (the others come from the
#: engine: import_error, training_error, prediction_error, bad_predictions).
BROKEN_KIT = "broken_kit"


def input_path(job_dir: Path, name: str) -> Path:
    """Where the input `name` (one of INPUT_FILES) lives under `job_dir`."""
    return job_dir / INPUT_DIR / f"{name}{INPUT_SUFFIX}"


def fold_dir(output_dir: Path, fold_index: int) -> Path:
    """The folder of one fold's predictions under the output folder."""
    return output_dir / f"fold_{fold_index}"
