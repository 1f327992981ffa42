"""Fold predictions on disk, in a form that is safe to read back from a sandbox.

The sandbox writes, the trusted worker reads; so the reader treats every file as
hostile: no pickles (``np.load(allow_pickle=False)``), symlinks refused, sizes capped
before anything is parsed, shapes and row counts checked against what was asked.
Numeric arrays are ``.npy`` files; object arrays (lists of detections, ...) are JSON.

Layout of one fold's folder::

    y_pred_train.npy | y_pred_train.json
    y_pred_test.npy  | y_pred_test.json     (absent when there is no test set)
    times.json       {"fold": 0, "train": 1.2, "valid": 0.1, "test": 0.05}

and, instead of all that when the submission failed, ``failure.json``.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .failures import FailureReport
from .train import FoldPredictions, FoldTimes

#: Default cap on one predictions file (bytes).
MAX_FILE_BYTES = 1 << 30
_SMALL_FILE_BYTES = 1 << 16
_NUMERIC_KINDS = "biuf"


class UntrustedOutputError(ValueError):
    """A file written by the sandbox is missing, too big, or not what was asked for."""


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _write_array(folder: Path, stem: str, array: NDArray[Any]) -> None:
    if array.dtype.kind in _NUMERIC_KINDS:
        np.save(folder / f"{stem}.npy", array, allow_pickle=False)
        return
    with (folder / f"{stem}.json").open("w", encoding="utf-8") as stream:
        json.dump(list(array), stream, default=_json_default)


def write_fold_predictions(folder: str | Path, predictions: FoldPredictions) -> None:
    """Write one fold's predictions and times into ``folder`` (created if needed)."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    _write_array(target, "y_pred_train", predictions.y_pred_train)
    if predictions.y_pred_test is not None:
        _write_array(target, "y_pred_test", predictions.y_pred_test)
    times = predictions.times
    document = {"fold": predictions.fold, "train": times.train, "valid": times.valid}
    document["test"] = times.test
    (target / "times.json").write_text(json.dumps(document), encoding="utf-8")


def write_failure(folder: str | Path, report: FailureReport) -> None:
    """Record a submission failure in ``folder`` (instead of predictions)."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    (target / "failure.json").write_text(json.dumps(report.to_json()), encoding="utf-8")


def _checked_file(path: Path, max_bytes: int) -> int:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise UntrustedOutputError(f"{path.name} is missing.") from None
    if not stat.S_ISREG(info.st_mode):
        raise UntrustedOutputError(f"{path.name} is not a regular file.")
    if info.st_size > max_bytes:
        raise UntrustedOutputError(
            f"{path.name} is {info.st_size} bytes, more than the {max_bytes} allowed."
        )
    return info.st_size


def _read_npy(path: Path, n_rows: int, max_bytes: int) -> NDArray[Any]:
    _checked_file(path, max_bytes)
    with path.open("rb") as stream:
        try:
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except (ValueError, OSError, SyntaxError) as error:
            raise UntrustedOutputError(f"{path.name} is not a valid .npy file: {error}") from None
    if dtype.hasobject or dtype.kind not in _NUMERIC_KINDS:
        raise UntrustedOutputError(f"{path.name} holds dtype {dtype}, not numbers.")
    _check_shape(path.name, tuple(shape), n_rows)
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise UntrustedOutputError(f"{path.name} cannot be read: {error}") from None
    return np.asarray(array)


def _check_shape(name: str, shape: tuple[int, ...], n_rows: int) -> None:
    if len(shape) not in (1, 2) or shape[0] != n_rows:
        raise UntrustedOutputError(
            f"{name} has shape {shape}; expected {n_rows} rows and at most 2 dimensions."
        )


def _read_json_array(path: Path, n_rows: int, max_bytes: int) -> NDArray[Any]:
    _checked_file(path, max_bytes)
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError) as error:
        raise UntrustedOutputError(f"{path.name} is not valid JSON: {error}") from None
    if not isinstance(items, list):
        raise UntrustedOutputError(f"{path.name} does not hold a list of predictions.")
    _check_shape(path.name, (len(items),), n_rows)
    array = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        array[i] = item
    return array


def _read_array(folder: Path, stem: str, n_rows: int, max_bytes: int) -> NDArray[Any]:
    npy, json_file = folder / f"{stem}.npy", folder / f"{stem}.json"
    if os.path.lexists(npy):
        return _read_npy(npy, n_rows, max_bytes)
    if os.path.lexists(json_file):
        return _read_json_array(json_file, n_rows, max_bytes)
    raise UntrustedOutputError(f"{stem} predictions are missing from {folder.name}.")


def _read_times(folder: Path, fold: int) -> FoldTimes:
    path = folder / "times.json"
    _checked_file(path, _SMALL_FILE_BYTES)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise UntrustedOutputError(f"times.json is not valid JSON: {error}") from None
    if not isinstance(document, dict) or document.get("fold") != fold:
        raise UntrustedOutputError(f"times.json does not describe fold {fold}.")
    values = {}
    for step in ("train", "valid", "test"):
        value = document.get(step)
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise UntrustedOutputError(f"times.json has no valid {step} time.")
        values[step] = float(value)
    return FoldTimes(**values)


def read_failure(folder: str | Path) -> FailureReport | None:
    """The failure recorded in ``folder``, or None when the fold did not fail."""
    path = Path(folder) / "failure.json"
    if not os.path.lexists(path):
        return None
    _checked_file(path, MAX_FILE_BYTES)
    try:
        return FailureReport.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise UntrustedOutputError(f"failure.json is malformed: {error}") from None


def read_fold_predictions(
    folder: str | Path,
    *,
    fold: int,
    n_train: int,
    n_test: int | None,
    max_bytes: int = MAX_FILE_BYTES,
) -> FoldPredictions:
    """Read what :func:`write_fold_predictions` wrote, trusting nothing.

    Parameters
    ----------
    folder : str or Path
        The fold's folder, as written by the sandbox.
    fold : int
        The fold expected in ``times.json``.
    n_train, n_test : int
        Rows of ``X_train`` and ``X_test`` (``n_test`` None when there is no test set).
    max_bytes : int
        Largest predictions file accepted.

    Raises
    ------
    UntrustedOutputError
        When a file is missing, too big, a symlink, a pickle, or of the wrong shape.
    """
    source = Path(folder)
    y_pred_train = _read_array(source, "y_pred_train", n_train, max_bytes)
    y_pred_test = None
    if n_test is not None:
        y_pred_test = _read_array(source, "y_pred_test", n_test, max_bytes)
    return FoldPredictions(
        fold=fold,
        y_pred_train=y_pred_train,
        y_pred_test=y_pred_test,
        times=_read_times(source, fold),
    )
