"""What a job ended with, and how a sandbox run is turned into it.

Everything read back from the sandbox (result.json, the fold folders) is untrusted: sizes
are capped, JSON is parsed defensively, predictions go through the engine's safe reader
and are scored here, outside, against labels the sandbox never saw.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from problems.kit.engine.scoring import SubmissionScores, score_submission
from problems.kit.engine.train import FoldPredictions
from problems.kit.engine.transfer import UntrustedOutputError, read_fold_predictions
from problems.kit.engine.validation import BadPredictionsError
from server.models import FailureKind
from worker.pipeline.kit_cache import LoadedKit
from worker.runner import layout
from worker.sandbox import SandboxResult

RESULT_MAX_BYTES = 1024 * 1024
#: Lines of the sandbox log shown with a timeout, a crash or an out-of-memory kill.
LOG_TAIL_CHARS = 4000

#: The engine's kinds and the runner's, as stored on the submission. A failing
#: `predict` is the engine's prediction_error; the database keeps it as training_error.
_KINDS = {
    "broken_kit": FailureKind.BROKEN_KIT,
    "import_error": FailureKind.IMPORT_ERROR,
    "training_error": FailureKind.TRAINING_ERROR,
    "prediction_error": FailureKind.TRAINING_ERROR,
    "bad_predictions": FailureKind.BAD_PREDICTIONS,
}


class PlatformError(Exception):
    """The platform failed (sandbox, Docker, the worker), not the submission: retried."""


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    log: str


@dataclass(frozen=True)
class Outcome:
    """A finished job: scores and predictions, or why there are none."""

    scores: SubmissionScores | None = None
    fold_predictions: list[FoldPredictions] = field(default_factory=list)
    failure: Failure | None = None
    peak_memory_bytes: int | None = None
    sandbox_seconds: float = 0.0

    @property
    def engine_seconds(self) -> float:
        """Time the submission itself spent training and predicting, all folds."""
        return sum(p.times.train + p.times.valid + p.times.test for p in self.fold_predictions)


def failed(kind: FailureKind, log: str, result: SandboxResult | None = None) -> Outcome:
    return Outcome(
        failure=Failure(kind=kind, log=log),
        peak_memory_bytes=result.peak_memory_bytes if result else None,
        sandbox_seconds=result.wall_seconds if result else 0.0,
    )


def outcome_of_run(
    result: SandboxResult, output_dir: Path, loaded: LoadedKit, *, wall_limit: float
) -> Outcome:
    """Classify a finished sandbox run and, when it predicted, score it."""
    log_tail = _tail(result.log.decode("utf-8", errors="replace"))
    if result.cancelled:
        return failed(FailureKind.CANCELLED, "Cancelled while running.", result)
    if result.timed_out:
        message = f"Stopped after the time limit of {wall_limit:.0f} s (all folds together)."
        return failed(FailureKind.TIMEOUT, _with_log(message, log_tail), result)
    if result.oom_killed:
        message = "Stopped: the submission used more memory than the event allows."
        return failed(FailureKind.OUT_OF_MEMORY, _with_log(message, log_tail), result)
    document = _read_result(output_dir)
    if document is None:
        return _without_result(result, output_dir, log_tail)
    if document.get("status") != layout.STATUS_OK:
        return _submission_failure(document, result, log_tail)
    if result.output_too_large:
        return failed(FailureKind.BAD_PREDICTIONS, "The predictions exceed the size limit.")
    return _score(result, output_dir, loaded)


def _score(result: SandboxResult, output: Path, loaded: LoadedKit) -> Outcome:
    n_test = None if loaded.X_test is None else len(loaded.X_test)
    try:
        predictions = [
            read_fold_predictions(
                layout.fold_dir(output, i), fold=i, n_train=len(loaded.y_train), n_test=n_test
            )
            for i in range(len(loaded.folds))
        ]
    except UntrustedOutputError as error:
        return failed(FailureKind.BAD_PREDICTIONS, f"Unreadable predictions: {error}", result)
    try:
        scores = score_submission(
            Predictions=loaded.kit.Predictions,
            score_types=loaded.kit.score_types,
            y_train=loaded.y_train,
            y_test=loaded.y_test,
            folds=loaded.folds,
            fold_predictions=predictions,
        )
    except BadPredictionsError as error:
        return failed(FailureKind.BAD_PREDICTIONS, str(error), result)
    except Exception as error:
        # Predictions passed validation, so a score function that raises is the kit's bug.
        message = f"Scoring failed: {type(error).__name__}: {error}"
        return failed(FailureKind.BROKEN_KIT, message, result)
    return Outcome(
        scores=scores,
        fold_predictions=predictions,
        peak_memory_bytes=result.peak_memory_bytes,
        sandbox_seconds=result.wall_seconds,
    )


def _submission_failure(document: dict[str, Any], result: SandboxResult, log_tail: str) -> Outcome:
    failure = document.get("failure")
    if not isinstance(failure, dict):
        return failed(FailureKind.TRAINING_ERROR, _with_log("The run failed.", log_tail), result)
    kind = _KINDS.get(str(failure.get("kind")), FailureKind.TRAINING_ERROR)
    if str(failure.get("message") or "").startswith("MemoryError"):
        # Where memory is capped by an rlimit rather than a cgroup, running out of it is
        # an exception the submission sees, not a kill.
        kind = FailureKind.OUT_OF_MEMORY
    trace = str(failure.get("traceback") or failure.get("message") or "")
    fold = failure.get("fold")
    header = f"Fold {fold}: " if isinstance(fold, int) else ""
    message = str(failure.get("message") or "")
    log = f"{header}{message}\n\n{trace}".strip() if trace != message else header + message
    return failed(kind, log, result)


def _without_result(result: SandboxResult, output_dir: Path, log_tail: str) -> Outcome:
    started = os.path.lexists(output_dir / layout.STARTED_FILE)
    if not started:
        # The runner never reached the submission's code: a broken image, a mount that
        # failed, a sandbox that could not start. Not the participant's doing.
        raise PlatformError(f"the runner did not start (exit code {result.exit_code}):\n{log_tail}")
    message = (
        f"The submission's process ended without a result (exit code {result.exit_code}); "
        "did it call os._exit or crash the interpreter?"
    )
    return failed(FailureKind.TRAINING_ERROR, _with_log(message, log_tail), result)


def _read_result(output: Path) -> dict[str, Any] | None:
    path = output / layout.RESULT_FILE
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > RESULT_MAX_BYTES:
        return _bad_result("result.json is not a small regular file.")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _bad_result("result.json is not valid JSON.")
    return document if isinstance(document, dict) else None


def _bad_result(message: str) -> dict[str, Any]:
    return {"status": "failed", "failure": {"kind": "bad_predictions", "message": message}}


def _tail(text: str) -> str:
    return text if len(text) <= LOG_TAIL_CHARS else "[...]\n" + text[-LOG_TAIL_CHARS:]


def _with_log(message: str, log_tail: str) -> str:
    return f"{message}\n\nOutput:\n{log_tail}" if log_tail.strip() else message
