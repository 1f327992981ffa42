"""Score fold predictions against the labels: the trusted half of the engine.

The numbers are computed exactly as ramp-test computes them, so a ramp-workflow kit
gives identical scores here and there: per fold, the train rows, the valid rows and
the whole test set are scored with every score type; the bagged valid score places
each fold's valid predictions in an otherwise-NaN container, combines the first
1, 2, ... folds with ``Predictions.combine`` and scores the rows predicted at least
once; the bagged test score combines the fold models' test predictions. Unlike
ramp-test, each combination is computed once and scored with every score type.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..loader import KitError
from ..protocols import Fold, PredictionsLike, PredictionsType, ScoreTypeLike
from .train import FoldPredictions, FoldTimes
from .validation import validate_predictions

Scores = dict[str, float]


@dataclass(frozen=True)
class FoldScores:
    """One fold's scores per step (``train``, ``valid``, ``test``) and its times."""

    fold: int
    train: Scores
    valid: Scores
    test: Scores
    times: FoldTimes

    def step(self, name: str) -> Scores:
        """The scores of step ``name`` (``train``, ``valid`` or ``test``)."""
        scores: Scores = getattr(self, name)
        return scores


@dataclass(frozen=True)
class BaggedScores:
    """Scores of the fold models combined.

    ``valid_curve[i]`` / ``test_curve[i]`` score the combination of the first
    ``i + 1`` folds (ramp-test's ``n_bag``); ``valid`` and ``test`` are the last.
    """

    valid_curve: list[Scores]
    test_curve: list[Scores] = field(default_factory=list)

    @property
    def valid(self) -> Scores:
        return self.valid_curve[-1] if self.valid_curve else {}

    @property
    def test(self) -> Scores:
        return self.test_curve[-1] if self.test_curve else {}


@dataclass(frozen=True)
class SubmissionScores:
    """Everything ``ramplab test`` reports about one submission."""

    score_names: list[str]
    precisions: list[int]
    folds: list[FoldScores]
    bagged: BaggedScores

    def to_json(self) -> dict[str, Any]:
        """``{"folds": [{"train":…, "valid":…, "test":…, "times":…}], "bagged": …}``."""
        return {
            "folds": [
                {
                    "train": fold.train,
                    "valid": fold.valid,
                    "test": fold.test,
                    "times": asdict(fold.times),
                }
                for fold in self.folds
            ],
            "bagged": {"valid": self.bagged.valid, "test": self.bagged.test},
        }

    def mean_std(self, step: str) -> dict[str, tuple[float, float]]:
        """Mean and (population) standard deviation over folds, per score and ``time``."""
        columns: dict[str, list[float]] = {name: [] for name in self.score_names}
        columns["time"] = []
        for fold in self.folds:
            for name, value in fold.step(step).items():
                columns[name].append(value)
            columns["time"].append(getattr(fold.times, step))
        return {
            name: (float(np.mean(values)), float(np.std(values)))
            for name, values in columns.items()
            if values
        }


def _score_all(
    score_types: Sequence[ScoreTypeLike], truth: PredictionsLike, predictions: PredictionsLike
) -> Scores:
    return {st.name: float(st.score_function(truth, predictions)) for st in score_types}


def check_score_types(
    Predictions: PredictionsType, score_types: Sequence[ScoreTypeLike], y_train: Any
) -> None:
    """Raise :class:`KitError` when a score type cannot score this kit's predictions.

    Scores the ground truth against itself, first on a few hundred rows spread over
    the training set, then (if that failed, e.g. a sample with one class for ROC AUC)
    on all of it, so a mismatch is reported before any submission is trained.
    """
    n_rows = len(y_train)
    sample = np.unique(np.linspace(0, n_rows - 1, num=min(n_rows, 500)).astype(np.intp))
    for score_type in score_types:
        try:
            truth = Predictions(y_true=y_train, fold_is=sample)
            score_type.score_function(truth, copy.deepcopy(truth))
            continue
        except Exception:
            pass
        try:
            truth = Predictions(y_true=y_train)
            score_type.score_function(truth, copy.deepcopy(truth))
        except Exception as error:
            raise KitError(
                f"Score type {score_type.name!r} ({type(score_type).__name__}) cannot score "
                f"this kit's predictions ({getattr(Predictions, '__name__', Predictions)}): "
                f"scoring the training labels against themselves raised "
                f"{type(error).__name__}: {error}. Check that every score type suits the "
                "prediction type (e.g. no classification score on regression predictions)."
            ) from error


def score_fold(
    *,
    Predictions: PredictionsType,
    score_types: Sequence[ScoreTypeLike],
    y_train: Any,
    fold: Fold,
    predictions: FoldPredictions,
    test_truth: PredictionsLike | None,
) -> tuple[FoldScores, PredictionsLike, PredictionsLike | None]:
    """Score one fold; also return its valid and test predictions for bagging."""
    train_is, valid_is = fold
    train_scores = _score_all(
        score_types,
        Predictions(y_true=y_train, fold_is=train_is),
        Predictions(y_pred=predictions.y_pred_train, fold_is=train_is),
    )
    valid_predictions = Predictions(y_pred=predictions.y_pred_train, fold_is=valid_is)
    valid_scores = _score_all(
        score_types, Predictions(y_true=y_train, fold_is=valid_is), valid_predictions
    )
    test_predictions = None
    test_scores: Scores = {}
    if test_truth is not None and predictions.y_pred_test is not None:
        test_predictions = Predictions(y_pred=predictions.y_pred_test)
        test_scores = _score_all(score_types, test_truth, test_predictions)
    scores = FoldScores(
        fold=predictions.fold,
        train=train_scores,
        valid=valid_scores,
        test=test_scores,
        times=predictions.times,
    )
    return scores, valid_predictions, test_predictions


def bagging_curve(
    *,
    Predictions: PredictionsType,
    score_types: Sequence[ScoreTypeLike],
    truth: PredictionsLike,
    predictions_list: Sequence[PredictionsLike],
    rows_list: Sequence[Any] | None,
) -> list[Scores]:
    """Scores of the combination of the first 1, 2, ... members (ramp-test's n_bag).

    Parameters
    ----------
    truth : Predictions
        Ground truth over all rows (``y_train`` for valid, ``y_test`` for test).
    predictions_list : sequence of Predictions
        Each member's predictions on its rows.
    rows_list : sequence of index arrays, optional
        The rows each member predicted (the folds' valid rows); all rows when None.
    """
    n_samples = len(truth.y_pred)
    containers: list[PredictionsLike] = []
    curve: list[Scores] = []
    for i, member in enumerate(predictions_list):
        rows = np.arange(len(member.y_pred)) if rows_list is None else rows_list[i]
        container = Predictions(n_samples=n_samples)
        container.set_valid_in_train(member, rows)
        containers.append(container)
        combined = Predictions.combine(containers)
        predicted = combined.valid_indexes
        truth_on_predicted = copy.deepcopy(truth)
        truth_on_predicted.set_slice(predicted)
        combined.set_slice(predicted)
        curve.append(_score_all(score_types, truth_on_predicted, combined))
    return curve


def score_submission(
    *,
    Predictions: PredictionsType,
    score_types: Sequence[ScoreTypeLike],
    y_train: Any,
    y_test: Any,
    folds: Sequence[Fold],
    fold_predictions: Sequence[FoldPredictions],
) -> SubmissionScores:
    """Score every fold and the bagged models.

    Parameters
    ----------
    Predictions, score_types
        From the kit.
    y_train, y_test : array-like
        The labels; ``y_test`` may be None (no test scores).
    folds : sequence of (train_is, valid_is)
        The kit's folds, in order.
    fold_predictions : sequence of FoldPredictions
        One per fold, in the same order (from :func:`train_fold` or read back from a
        sandbox with :func:`~problems.kit.engine.transfer.read_fold_predictions`).

    Returns
    -------
    SubmissionScores
    """
    if len(folds) != len(fold_predictions):
        raise ValueError(f"{len(fold_predictions)} fold predictions for {len(folds)} folds.")
    n_train = len(y_train)
    n_test = None if y_test is None else len(y_test)
    test_truth = None if y_test is None else Predictions(y_true=y_test)
    fold_scores: list[FoldScores] = []
    valid_list: list[PredictionsLike] = []
    test_list: list[PredictionsLike] = []
    for fold, predictions in zip(folds, fold_predictions):
        # Predictions may come from an untrusted sandbox: check them again here.
        validate_predictions(
            Predictions, predictions.y_pred_train, n_rows=n_train, what="X_train"
        )
        if n_test is not None and predictions.y_pred_test is not None:
            validate_predictions(
                Predictions, predictions.y_pred_test, n_rows=n_test, what="X_test"
            )
        scores, valid_predictions, test_predictions = score_fold(
            Predictions=Predictions,
            score_types=score_types,
            y_train=y_train,
            fold=fold,
            predictions=predictions,
            test_truth=test_truth,
        )
        fold_scores.append(scores)
        valid_list.append(valid_predictions)
        if test_predictions is not None:
            test_list.append(test_predictions)
    valid_curve = bagging_curve(
        Predictions=Predictions,
        score_types=score_types,
        truth=Predictions(y_true=y_train),
        predictions_list=valid_list,
        rows_list=[valid_is for _, valid_is in folds],
    )
    test_curve: list[Scores] = []
    if test_truth is not None and len(test_list) == len(folds):
        test_curve = bagging_curve(
            Predictions=Predictions,
            score_types=score_types,
            truth=test_truth,
            predictions_list=test_list,
            rows_list=None,
        )
    return SubmissionScores(
        score_names=[st.name for st in score_types],
        precisions=[int(st.precision) for st in score_types],
        folds=fold_scores,
        bagged=BaggedScores(valid_curve=valid_curve, test_curve=test_curve),
    )
