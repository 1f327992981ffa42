"""Train a submission on every fold and write what it predicted; runs inside the sandbox.

Everything the runner writes is untrusted from the worker's side (the submission runs in
this same process and could overwrite any of it), so the worker re-checks and scores it
itself; `result.json` only tells it *why* a run stopped, in the participant's words.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

from problems.kit import KitError, load_kit
from problems.kit.engine.failures import SubmissionFailure
from problems.kit.engine.train import train_fold
from problems.kit.engine.transfer import write_fold_predictions

from . import layout
from .gate import DiscardedError, wait_at_gate

#: A sandbox thrown away before its job: nothing ran, nothing to report.
DISCARDED_EXIT_CODE = 3


def run_job(job_dir: Path) -> int:
    """Run the job in `job_dir`; 0 when every fold predicted, 1 when the submission failed.

    Anything else (a bug here, a missing input) propagates and ends the process with a
    traceback and a non-zero code, which the worker reports as a platform error.
    """
    output_dir = job_dir / layout.OUTPUT_DIR
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        kit = load_kit(job_dir / layout.KIT_DIR)
    except KitError as error:
        _write_result(output_dir, _failure(layout.BROKEN_KIT, str(error), "", None))
        return 1
    inputs = {name: _read_input(job_dir, name) for name in layout.INPUT_FILES}
    folds = inputs["folds"]
    # Warm: the interpreter, libraries, kit and data are loaded. A sandbox started ahead
    # of its job waits here for the job's files (see worker/sandbox/gate.py).
    try:
        wait_at_gate()
    except DiscardedError:
        return DISCARDED_EXIT_CODE
    (output_dir / layout.STARTED_FILE).touch()
    for fold_index, fold in enumerate(folds):
        try:
            predictions = train_fold(
                workflow=kit.workflow,
                Predictions=kit.Predictions,
                submission_dir=job_dir / layout.SUBMISSION_DIR,
                X_train=inputs["X_train"],
                y_train=inputs["y_train"],
                X_test=inputs["X_test"],
                fold=fold,
                fold_index=fold_index,
            )
        except SubmissionFailure as failure:
            report = failure.report
            result = _failure(str(report.kind), report.message, report.traceback, fold_index)
            _write_result(output_dir, result)
            return 1
        write_fold_predictions(layout.fold_dir(output_dir, fold_index), predictions)
        # Printed so that the sandbox log shows progress when a later fold hangs.
        print(f"fold {fold_index}: trained in {predictions.times.train:.3f} s", flush=True)
    _write_result(output_dir, {"status": layout.STATUS_OK, "n_folds": len(folds)})
    return 0


def _read_input(job_dir: Path, name: str) -> Any:
    with layout.input_path(job_dir, name).open("rb") as stream:
        return pickle.load(stream)


def _failure(kind: str, message: str, trace: str, fold: int | None) -> dict[str, Any]:
    return {
        "status": layout.STATUS_FAILED,
        "failure": {"kind": kind, "message": message, "traceback": trace, "fold": fold},
    }


def _write_result(output_dir: Path, result: dict[str, Any]) -> None:
    (output_dir / layout.RESULT_FILE).write_text(json.dumps(result), encoding="utf-8")
