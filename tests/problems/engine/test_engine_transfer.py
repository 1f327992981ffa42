"""Predictions written in the sandbox are read back without trusting them."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from problems.kit.engine import (
    FailureKind,
    FailureReport,
    FoldPredictions,
    FoldTimes,
    UntrustedOutputError,
    read_failure,
    read_fold_predictions,
    write_failure,
    write_fold_predictions,
)

TIMES = FoldTimes(train=1.5, valid=0.25, test=0.125)


def _numeric(fold: int = 0) -> FoldPredictions:
    rng = np.random.default_rng(fold)
    return FoldPredictions(
        fold=fold, y_pred_train=rng.random((6, 2)), y_pred_test=rng.random((3, 2)), times=TIMES
    )


def test_numeric_round_trip(tmp_path: Path) -> None:
    written = _numeric(fold=3)
    write_fold_predictions(tmp_path, written)
    read = read_fold_predictions(tmp_path, fold=3, n_train=6, n_test=3)
    np.testing.assert_array_equal(read.y_pred_train, written.y_pred_train)
    assert read.y_pred_test is not None
    np.testing.assert_array_equal(read.y_pred_test, written.y_pred_test)
    assert read.times == TIMES
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "times.json",
        "y_pred_test.npy",
        "y_pred_train.npy",
    ]


def test_object_predictions_go_through_json(tmp_path: Path) -> None:
    detections = np.empty(2, dtype=object)
    detections[0] = [(0.9, 10.0, 12.0, 5.0)]
    detections[1] = []
    written = FoldPredictions(fold=0, y_pred_train=detections, y_pred_test=None, times=TIMES)
    write_fold_predictions(tmp_path, written)
    read = read_fold_predictions(tmp_path, fold=0, n_train=2, n_test=None)
    assert read.y_pred_train.dtype == object
    assert read.y_pred_train.tolist() == [[[0.9, 10.0, 12.0, 5.0]], []]


def test_a_pickle_is_refused(tmp_path: Path) -> None:
    write_fold_predictions(tmp_path, _numeric())
    np.save(tmp_path / "y_pred_train.npy", np.array([{"x": 1}] * 6, dtype=object))
    with pytest.raises(UntrustedOutputError, match="not numbers"):
        read_fold_predictions(tmp_path, fold=0, n_train=6, n_test=3)
    (tmp_path / "y_pred_train.npy").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(UntrustedOutputError, match=r"not a valid \.npy"):
        read_fold_predictions(tmp_path, fold=0, n_train=6, n_test=3)


def test_wrong_row_count_is_refused_before_loading(tmp_path: Path) -> None:
    write_fold_predictions(tmp_path, _numeric())
    with pytest.raises(UntrustedOutputError, match="expected 7 rows"):
        read_fold_predictions(tmp_path, fold=0, n_train=7, n_test=3)


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    write_fold_predictions(tmp_path, _numeric())
    with pytest.raises(UntrustedOutputError, match="allowed"):
        read_fold_predictions(tmp_path, fold=0, n_train=6, n_test=3, max_bytes=100)


def test_symlink_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.npy"
    np.save(secret, np.zeros((6, 2)))
    out = tmp_path / "out"
    write_fold_predictions(out, _numeric())
    (out / "y_pred_train.npy").unlink()
    (out / "y_pred_train.npy").symlink_to(secret)
    with pytest.raises(UntrustedOutputError, match="not a regular file"):
        read_fold_predictions(out, fold=0, n_train=6, n_test=3)


@pytest.mark.parametrize(
    "times",
    [{"fold": 1, "train": 1, "valid": 1, "test": 1}, {"fold": 0, "train": -1, "valid": 1}],
)
def test_bad_times_are_refused(tmp_path: Path, times: dict[str, float]) -> None:
    write_fold_predictions(tmp_path, _numeric())
    (tmp_path / "times.json").write_text(json.dumps(times))
    with pytest.raises(UntrustedOutputError, match=r"times\.json"):
        read_fold_predictions(tmp_path, fold=0, n_train=6, n_test=3)


def test_missing_predictions_are_reported(tmp_path: Path) -> None:
    write_fold_predictions(tmp_path, _numeric())
    (tmp_path / "y_pred_test.npy").unlink()
    with pytest.raises(UntrustedOutputError, match="y_pred_test predictions are missing"):
        read_fold_predictions(tmp_path, fold=0, n_train=6, n_test=3)


def test_failure_round_trip(tmp_path: Path) -> None:
    assert read_failure(tmp_path) is None
    report = FailureReport(FailureKind.TRAINING_ERROR, "ValueError: no", "Traceback...", 2)
    write_failure(tmp_path, report)
    assert read_failure(tmp_path) == report
