"""The runner's contract, and the worker reading what a sandbox wrote as untrusted.

No sandbox here: the runner runs as a plain subprocess on a job folder laid out as the
worker lays it out, and forged outputs are handed straight to the classifier.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from server.models import FailureKind
from worker.pipeline.kit_cache import load_cached_kit
from worker.pipeline.outcome import PlatformError, outcome_of_run
from worker.runner import layout
from worker.sandbox import SandboxResult
from worker.sandbox.runtime import PROJECT_ROOT

from .helpers import IRIS, STARTING_KIT


def run_runner(job: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker.runner", "--job", str(job)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def make_job(tmp_path: Path, files: dict[str, str]) -> Path:
    loaded = load_cached_kit(IRIS)
    job = tmp_path / "job"
    job.mkdir()
    (job / layout.KIT_DIR).symlink_to(loaded.kit_copy)
    (job / layout.INPUT_DIR).symlink_to(loaded.input_dir)
    (job / layout.SUBMISSION_DIR).mkdir()
    for name, text in files.items():
        (job / layout.SUBMISSION_DIR / name).write_text(text)
    return job


def ok_run(**changes: object) -> SandboxResult:
    fields: dict[str, object] = {
        "exit_code": 0, "timed_out": False, "oom_killed": False, "cancelled": False,
        "log": b"", "log_truncated": False, "output_too_large": False,
        "wall_seconds": 1.0, "peak_memory_bytes": None,
    }  # fmt: skip
    return SandboxResult(**(fields | changes))  # type: ignore[arg-type]


def test_the_runner_writes_predictions_per_fold_and_never_sees_test_labels(tmp_path, worker_env):
    job = make_job(tmp_path, STARTING_KIT)
    assert not (job / layout.KIT_DIR / "data").exists()
    assert sorted(p.name for p in (job / layout.INPUT_DIR).iterdir()) == sorted(
        f"{name}.pkl" for name in layout.INPUT_FILES
    )

    done = run_runner(job)

    assert done.returncode == 0, done.stderr
    output = job / layout.OUTPUT_DIR
    assert json.loads((output / layout.RESULT_FILE).read_text()) == {"status": "ok", "n_folds": 8}
    assert sorted(os.listdir(output / "fold_0")) == ["times.json", "y_pred_test.npy",
                                                    "y_pred_train.npy"]  # fmt: skip
    outcome = outcome_of_run(ok_run(), output, load_cached_kit(IRIS), wall_limit=60)
    assert outcome.failure is None
    assert outcome.scores is not None and len(outcome.scores.folds) == 8


def test_a_broken_kit_is_reported_as_such(tmp_path, worker_env):
    job = tmp_path / "job"
    (job / layout.KIT_DIR).mkdir(parents=True)
    (job / layout.KIT_DIR / "problem.py").write_text("import nonexistent_module\n")

    assert run_runner(job).returncode == 1
    result = json.loads((job / layout.OUTPUT_DIR / layout.RESULT_FILE).read_text())
    assert result["failure"]["kind"] == "broken_kit"


@pytest.fixture(scope="module")
def good_output(tmp_path_factory):
    """The output of one successful run, made once for the tests that tamper with it."""
    job = make_job(tmp_path_factory.mktemp("good"), STARTING_KIT)
    assert run_runner(job).returncode == 0
    return job / layout.OUTPUT_DIR


@pytest.fixture
def forged(good_output, tmp_path):
    """A copy of a good output, for a test to tamper with."""
    return Path(shutil.copytree(good_output, tmp_path / "output"))


def classify(output: Path, **changes: object):
    return outcome_of_run(ok_run(**changes), output, load_cached_kit(IRIS), wall_limit=60)


def test_pickled_predictions_are_refused(forged):
    target = forged / "fold_3" / "y_pred_train.npy"
    np.save(target, np.array([object()] * 120, dtype=object), allow_pickle=True)
    outcome = classify(forged)
    assert outcome.failure is not None
    assert outcome.failure.kind is FailureKind.BAD_PREDICTIONS


def test_predictions_of_the_wrong_shape_are_refused(forged):
    np.save(forged / "fold_0" / "y_pred_test.npy", np.zeros((7, 3)))
    assert classify(forged).failure.kind is FailureKind.BAD_PREDICTIONS


def test_a_symlinked_result_is_refused(forged, tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"status": "ok"}')
    os.unlink(forged / "fold_1" / "times.json")
    (forged / "fold_1" / "times.json").symlink_to(secret)
    assert classify(forged).failure.kind is FailureKind.BAD_PREDICTIONS


def test_a_run_that_never_started_is_the_platform_s_fault(tmp_path):
    with pytest.raises(PlatformError, match="did not start"):
        classify(tmp_path, exit_code=127, log=b"python: not found")


def test_a_submission_that_killed_its_interpreter_is_a_training_error(forged):
    os.unlink(forged / layout.RESULT_FILE)
    outcome = classify(forged, exit_code=137, log=b"fold 0: trained\n")
    assert outcome.failure.kind is FailureKind.TRAINING_ERROR
    assert "exit code 137" in outcome.failure.log
