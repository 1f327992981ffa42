"""Train a submission on one fold and predict: the half that runs in the sandbox.

Nothing here sees test labels. Given the kit's workflow and ``Predictions`` type, the
submission folder, ``X_train``, ``y_train``, ``X_test`` and one fold, it trains on the
fold's training rows and predicts the whole training set and the test set, timing
each step as ramp-test does (train, valid = predicting ``X_train``, test = predicting
``X_test``). Whatever goes wrong in the submission becomes a
:class:`~problems.kit.engine.failures.SubmissionFailure` with a filtered traceback.
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from numpy.typing import NDArray

from ..protocols import Fold, PredictionsType, WorkflowLike
from .failures import (
    FailureKind,
    FailureReport,
    SubmissionFailure,
    classify_training_error,
    failure_from_exception,
)
from .validation import BadPredictionsError, validate_predictions


@dataclass(frozen=True)
class FoldTimes:
    """Seconds spent training, predicting ``X_train`` (valid) and ``X_test`` (test)."""

    train: float
    valid: float
    test: float


@dataclass(frozen=True)
class FoldPredictions:
    """What one fold's model predicted.

    ``y_pred_train`` covers every row of ``X_train`` (the scorer slices the fold's
    train and valid rows out of it); ``y_pred_test`` covers ``X_test``.
    """

    fold: int
    y_pred_train: NDArray[Any]
    y_pred_test: NDArray[Any] | None
    times: FoldTimes


def _passes_fold_to_test(workflow: WorkflowLike) -> bool:
    """ramp-workflow passes the fold to ``test_submission(model, X, fold)`` if asked."""
    try:
        parameters = list(inspect.signature(workflow.test_submission).parameters)
    except (TypeError, ValueError):
        return False
    return len(parameters) == 3 and parameters[2] == "fold"


def _last_return_in(folder: Path, call: Callable[[], object]) -> tuple[str, int, str] | None:
    """Run ``call`` and return (file, line, function) of the last return from ``folder``.

    Used only after predictions failed validation, to point at the submission line
    that produced them (a ``return`` in ``predict_proba``, say).
    """
    folder_text = str(folder.resolve())
    last: list[tuple[str, int, str]] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "return" and frame.f_code.co_filename.startswith(folder_text):
            last[:] = [(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)]

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        call()
    except Exception:
        return None
    finally:
        sys.setprofile(previous)
    return last[0] if last else None


def _bad_predictions(
    error: BadPredictionsError,
    submission_dir: Path,
    fold_index: int,
    predict_again: Callable[[], object],
) -> SubmissionFailure:
    where = _last_return_in(submission_dir, predict_again)
    lines = ["Traceback (most recent call last):\n"]
    if where is not None:
        filename, lineno, function = where
        lines.append(f'  File "{filename}", line {lineno}, in {function}\n')
        source = _source_line(filename, lineno)
        if source:
            lines.append(f"    {source}\n")
    lines.append(f"{type(error).__name__}: {error}\n")
    report = FailureReport(
        kind=FailureKind.BAD_PREDICTIONS,
        message=str(error),
        traceback="".join(lines),
        fold=fold_index,
    )
    return SubmissionFailure(report)


def _source_line(filename: str, lineno: int) -> str:
    try:
        lines = Path(filename).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""


def train_fold(
    *,
    workflow: WorkflowLike,
    Predictions: PredictionsType,
    submission_dir: str | Path,
    X_train: Any,
    y_train: Any,
    X_test: Any,
    fold: Fold,
    fold_index: int,
) -> FoldPredictions:
    """Train the submission on ``fold`` and predict ``X_train`` and ``X_test``.

    Parameters
    ----------
    workflow : WorkflowLike
        The kit's workflow (``problems.kit`` or ramp-workflow).
    Predictions : PredictionsType
        The kit's predictions type, used to check the shape of what comes back.
    submission_dir : str or Path
        The folder holding the submission's files.
    X_train, y_train, X_test : array-like
        As returned by the kit's ``get_train_data`` / ``get_test_data``.
        ``X_test`` may be None (then nothing is predicted on it).
    fold : (train_is, valid_is)
        Row indices from the kit's ``get_cv``; only ``train_is`` is trained on.
    fold_index : int
        The fold's number, reported in failures.

    Returns
    -------
    FoldPredictions

    Raises
    ------
    SubmissionFailure
        ``import_error``, ``training_error``, ``prediction_error`` or ``bad_predictions``.
    """
    folder = Path(submission_dir).resolve()
    train_is, _ = fold
    start = time.perf_counter()
    try:
        trained = workflow.train_submission(str(folder), X_train, y_train, train_is)
    except (Exception, SystemExit) as error:
        kind = classify_training_error(error, folder)
        raise failure_from_exception(error, kind, folder, fold_index) from None
    train_time = time.perf_counter() - start

    pass_fold = _passes_fold_to_test(workflow)

    def predict(X: Any, predict_fold: Fold | None) -> Any:
        if pass_fold:
            return workflow.test_submission(trained, X, predict_fold)  # type: ignore[call-arg]
        return workflow.test_submission(trained, X)

    def predict_checked(X: Any, predict_fold: Fold | None, what: str) -> tuple[NDArray[Any], float]:
        start = time.perf_counter()
        try:
            raw = predict(X, predict_fold)
        except (Exception, SystemExit) as error:
            raise failure_from_exception(
                error, FailureKind.PREDICTION_ERROR, folder, fold_index
            ) from None
        elapsed = time.perf_counter() - start
        try:
            return validate_predictions(Predictions, raw, n_rows=len(X), what=what), elapsed
        except BadPredictionsError as error:
            raise _bad_predictions(
                error, folder, fold_index, lambda: predict(X, predict_fold)
            ) from None

    y_pred_train, valid_time = predict_checked(X_train, fold, "X_train")
    y_pred_test, test_time = None, 0.0
    if X_test is not None:
        y_pred_test, test_time = predict_checked(X_test, None, "X_test")
    return FoldPredictions(
        fold=fold_index,
        y_pred_train=y_pred_train,
        y_pred_test=y_pred_test,
        times=FoldTimes(train=train_time, valid=valid_time, test=test_time),
    )
