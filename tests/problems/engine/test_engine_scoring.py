"""Scoring: fold scores, ramp-test's bagging, and the early score-type check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from problems.kit import KitError, load_kit, predictions, score_types
from problems.kit.engine import (
    FoldPredictions,
    FoldTimes,
    check_score_types,
    score_submission,
)

TINY_KIT = Path(__file__).parents[2] / "fixtures" / "tiny_kit"


class Binary(predictions.Multiclass):
    label_names = (0, 1)


class Value(predictions.Regression):
    pass


def _fold(fold: int, y_pred_train: np.ndarray, y_pred_test: np.ndarray) -> FoldPredictions:
    return FoldPredictions(
        fold=fold,
        y_pred_train=y_pred_train,
        y_pred_test=y_pred_test,
        times=FoldTimes(train=1.0, valid=0.1, test=0.2),
    )


def test_fold_and_bagged_scores_by_hand() -> None:
    y_train = np.array([0, 1, 0, 1])
    y_test = np.array([1, 0])
    folds = [(np.array([0, 1]), np.array([2, 3])), (np.array([2, 3]), np.array([0, 1]))]
    # Fold 0 gets rows 2 and 3 wrong; fold 1 gets everything right.
    p0 = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3]])
    p1 = np.array([[0.8, 0.2], [0.1, 0.9], [0.9, 0.1], [0.3, 0.7]])
    scores = score_submission(
        Predictions=Binary,
        score_types=[score_types.Accuracy(name="acc")],
        y_train=y_train,
        y_test=y_test,
        folds=folds,
        fold_predictions=[
            _fold(0, p0, np.array([[0.4, 0.6], [0.6, 0.4]])),
            _fold(1, p1, np.array([[0.9, 0.1], [0.9, 0.1]])),
        ],
    )
    assert scores.folds[0].train == {"acc": 1.0}
    assert scores.folds[0].valid == {"acc": 0.0}
    assert scores.folds[0].test == {"acc": 1.0}
    assert scores.folds[1].valid == {"acc": 1.0}
    assert scores.folds[1].test == {"acc": 0.5}
    # Bagged valid: each row scored by the fold that held it out.
    assert scores.bagged.valid_curve == [{"acc": 0.0}, {"acc": 0.5}]
    # Bagged test: mean of the two folds' probabilities -> [0.65, 0.35], [0.75, 0.25].
    expected = accuracy_score(y_test, [0, 0])
    assert scores.bagged.test == {"acc": expected}
    assert scores.folds[1].times.test == 0.2
    assert scores.mean_std("valid")["acc"] == (0.5, 0.5)


def test_to_json_has_the_documented_shape() -> None:
    y = np.array([0, 1, 0, 1])
    fold = (np.array([0, 1]), np.array([2, 3]))
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3]])
    scores = score_submission(
        Predictions=Binary,
        score_types=[score_types.Accuracy(name="acc")],
        y_train=y,
        y_test=y,
        folds=[fold],
        fold_predictions=[_fold(0, p, p)],
    )
    document = scores.to_json()
    assert set(document) == {"folds", "bagged"}
    assert set(document["folds"][0]) == {"train", "valid", "test", "times"}
    assert document["folds"][0]["times"] == {"train": 1.0, "valid": 0.1, "test": 0.2}
    assert set(document["bagged"]) == {"valid", "test"}


def test_scoring_rejects_predictions_of_the_wrong_shape() -> None:
    y = np.array([0, 1, 0, 1])
    fold = (np.array([0, 1]), np.array([2, 3]))
    with pytest.raises(ValueError, match="rows"):
        score_submission(
            Predictions=Binary,
            score_types=[score_types.Accuracy()],
            y_train=y,
            y_test=None,
            folds=[fold],
            fold_predictions=[_fold(0, np.ones((3, 2)) / 2, np.ones((3, 2)) / 2)],
        )


def test_score_type_check_accepts_the_tiny_kit() -> None:
    kit = load_kit(TINY_KIT)
    check_score_types(kit.Predictions, kit.score_types, np.array(["yes", "no"] * 10))


def test_score_type_check_rejects_a_classification_score_on_regression() -> None:
    with pytest.raises(KitError, match=r"'acc'.*cannot score"):
        check_score_types(Value, [score_types.Accuracy(name="acc")], np.arange(10.0))


def test_score_type_check_survives_a_one_class_sample() -> None:
    # The first 500 rows hold one class only; ROC AUC needs two: retried on all rows.
    y = np.array([0] * 600 + [1] * 5)
    check_score_types(Binary, [score_types.ROCAUC()], y)


class Centred(predictions.Regression):
    """Truth that depends on all its rows: slicing the full truth would be wrong."""

    def _from_truth(self, y_true: np.ndarray) -> np.ndarray:
        return np.asarray(y_true, dtype=float) - np.mean(y_true)


def test_fold_truth_is_rebuilt_when_slicing_would_change_it() -> None:
    y = np.array([0.0, 1.0, 2.0, 3.0, 10.0, 20.0])
    folds = [(np.array([0, 1, 2]), np.array([3, 4, 5])), (np.array([3, 4, 5]), np.array([0, 1]))]
    y_pred = np.zeros(6)
    scores = score_submission(
        Predictions=Centred,
        score_types=[score_types.RMSE(name="rmse")],
        y_train=y,
        y_test=None,
        folds=folds,
        fold_predictions=[_fold(0, y_pred, y_pred[:0]), _fold(1, y_pred, y_pred[:0])],
    )
    for fold_scores, (train_is, valid_is) in zip(scores.folds, folds):
        for step, rows in (("train", train_is), ("valid", valid_is)):
            centred = y[rows] - y[rows].mean()
            expected = float(np.sqrt(np.mean(centred**2)))
            assert fold_scores.step(step)["rmse"] == pytest.approx(expected, rel=1e-12)
