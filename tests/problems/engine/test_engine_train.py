"""train_fold: the sandbox half: predictions, times, and failures a participant can read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from problems.kit import Kit, load_kit
from problems.kit.engine import (
    BadPredictionsError,
    FailureKind,
    SubmissionFailure,
    load_kit_data,
    train_fold,
    validate_predictions,
)
from problems.kit.engine.local import KitData

TINY_KIT = Path(__file__).parents[2] / "fixtures" / "tiny_kit"


@pytest.fixture(scope="module")
def kit() -> Kit:
    return load_kit(TINY_KIT)


@pytest.fixture(scope="module")
def data(kit: Kit) -> KitData:
    return load_kit_data(kit)


def _train(kit: Kit, data: KitData, submission_dir: Path, fold_index: int = 0):  # type: ignore[no-untyped-def]
    return train_fold(
        workflow=kit.workflow,
        Predictions=kit.Predictions,
        submission_dir=submission_dir,
        X_train=data.X_train,
        y_train=data.y_train,
        X_test=data.X_test,
        fold=data.folds[fold_index],
        fold_index=fold_index,
    )


def _write_submission(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "estimator.py").write_text(source)
    return folder


def test_predicts_whole_train_and_test_sets(kit: Kit, data: KitData) -> None:
    predictions = _train(kit, data, TINY_KIT / "submissions" / "starting_kit", fold_index=1)
    assert predictions.fold == 1
    assert predictions.y_pred_train.shape == (80, 2)
    assert predictions.y_pred_test is not None and predictions.y_pred_test.shape == (40, 2)
    np.testing.assert_allclose(predictions.y_pred_train.sum(axis=1), 1.0)
    assert predictions.times.train > 0 and predictions.times.valid > 0


@pytest.mark.parametrize(
    ("submission", "kind", "line", "message"),
    [
        ("fit_error", FailureKind.TRAINING_ERROR, 6, "this model cannot learn"),
        ("bad_shape", FailureKind.BAD_PREDICTIONS, 11, "expected shape (n_samples, 2)"),
        ("nan_predictions", FailureKind.BAD_PREDICTIONS, 11, "NaN or infinite"),
    ],
)
def test_failures_point_at_the_submission_line(
    kit: Kit, data: KitData, submission: str, kind: FailureKind, line: int, message: str
) -> None:
    folder = TINY_KIT / "submissions" / submission
    with pytest.raises(SubmissionFailure) as caught:
        _train(kit, data, folder)
    report = caught.value.report
    assert report.kind == kind
    assert report.fold == 0
    assert f'{folder / "estimator.py"}", line {line}' in report.traceback
    assert message in report.traceback
    assert "problems/kit" not in report.traceback  # no engine or workflow frames


def test_syntax_error_is_an_import_error_at_its_line(
    kit: Kit, data: KitData, tmp_path: Path
) -> None:
    # Written here rather than shipped: a file with a syntax error would break ruff.
    folder = _write_submission(tmp_path, "import numpy\n\n\ndef get_estimator(:\n    pass\n")
    with pytest.raises(SubmissionFailure) as caught:
        _train(kit, data, folder)
    report = caught.value.report
    assert report.kind == FailureKind.IMPORT_ERROR
    assert f'{folder / "estimator.py"}", line 4' in report.traceback
    assert "SyntaxError" in report.message
    assert "importlib" not in report.traceback


def test_exception_at_import_time_is_an_import_error(
    kit: Kit, data: KitData, tmp_path: Path
) -> None:
    folder = _write_submission(tmp_path, "import numpy\nraise RuntimeError('at import')\n")
    with pytest.raises(SubmissionFailure) as caught:
        _train(kit, data, folder)
    assert caught.value.kind == FailureKind.IMPORT_ERROR
    assert "line 2, in <module>" in caught.value.report.traceback


def test_missing_module_is_an_import_error(kit: Kit, data: KitData, tmp_path: Path) -> None:
    folder = _write_submission(tmp_path, "import no_such_module_here\n")
    with pytest.raises(SubmissionFailure) as caught:
        _train(kit, data, folder)
    assert caught.value.kind == FailureKind.IMPORT_ERROR
    assert "no_such_module_here" in caught.value.report.message


def test_exception_in_predict_is_a_prediction_error(
    kit: Kit, data: KitData, tmp_path: Path
) -> None:
    source = (
        "from sklearn.linear_model import LogisticRegression\n"
        "class Model(LogisticRegression):\n"
        "    def predict_proba(self, X):\n"
        "        return 1 / 0\n"
        "def get_estimator():\n"
        "    return Model()\n"
    )
    folder = _write_submission(tmp_path, source)
    with pytest.raises(SubmissionFailure) as caught:
        _train(kit, data, folder)
    assert caught.value.kind == FailureKind.PREDICTION_ERROR
    assert "line 4, in predict_proba" in caught.value.report.traceback
    assert "ZeroDivisionError" in caught.value.report.message


def test_wrong_number_of_rows_is_bad_predictions(kit: Kit, data: KitData, tmp_path: Path) -> None:
    source = (
        "from sklearn.linear_model import LogisticRegression\n"
        "class Model(LogisticRegression):\n"
        "    def predict_proba(self, X):\n"
        "        return super().predict_proba(X)[:5]\n"
        "def get_estimator():\n"
        "    return Model()\n"
    )
    folder = _write_submission(tmp_path, source)
    with pytest.raises(SubmissionFailure) as caught:
        _train(kit, data, folder)
    assert caught.value.kind == FailureKind.BAD_PREDICTIONS
    assert "returned 5 rows for the 80 rows of X_train" in caught.value.report.message
    assert "line 4, in predict_proba" in caught.value.report.traceback


@pytest.mark.parametrize(
    ("y_pred", "message"),
    [
        (None, "returned None"),
        (0.5, "a scalar"),
        (np.array([["a", "b"]] * 3), "expected numbers"),
        (np.array([[0.5, np.inf]] * 3), "NaN or infinite"),
        (np.ones((3, 3)), "expected shape (n_samples, 2)"),
    ],
)
def test_validation_rejects_nonsense(kit: Kit, y_pred: object, message: str) -> None:
    with pytest.raises(BadPredictionsError) as caught:
        validate_predictions(kit.Predictions, y_pred, n_rows=3, what="X_test")
    assert message in str(caught.value)


def test_validation_accepts_lists_and_returns_an_array(kit: Kit) -> None:
    array = validate_predictions(kit.Predictions, [[0.2, 0.8]] * 3, n_rows=3, what="X_test")
    assert isinstance(array, np.ndarray) and array.shape == (3, 2)
