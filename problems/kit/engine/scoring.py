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
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import numpy as np
import sklearn

from ..loader import KitError
from ..protocols import Fold, PredictionsLike, PredictionsType, ScoreTypeLike
from .fold_pool import available_cpus
from .results import BaggedScores, FoldScores, Scores, SubmissionScores
from .train import FoldPredictions

# The result types are re-exported: callers import them from here.
__all__ = [
    "BaggedScores",
    "FoldScorer",
    "FoldScores",
    "Scores",
    "SubmissionScores",
    "bagged_scores",
    "bagging_curve",
    "check_score_types",
    "score_submission",
]
from .validation import expects_numeric_predictions, validate_predictions


def _score_all(
    score_types: Sequence[ScoreTypeLike], truth: PredictionsLike, predictions: PredictionsLike
) -> Scores:
    # scikit-learn's metrics check their keyword arguments on every call, which costs more
    # than the metric itself on small sets (a scored submission makes ~40 calls per score
    # type). The arguments are the kit's own and do not change between calls, and the
    # numbers are the same with or without the check.
    with sklearn.config_context(skip_parameter_validation=True):
        return {st.name: float(st.score_function(truth, predictions)) for st in score_types}


class _TruthSlices:
    """Ground truth of all rows, built once; each fold's rows are cut from it.

    Building ``Predictions(y_true=...)`` is a Python loop over rows in many kits
    (ramp-workflow's multiclass type), and ramp-test redoes it for every fold and step.
    Slicing the full truth gives the same object whenever a row's conversion depends
    on that row alone; this is checked, exactly, on the first slice, and the slow way is
    kept for prediction types where it does not hold.
    """

    def __init__(self, Predictions: PredictionsType, y_true: Any) -> None:
        self._Predictions = Predictions
        self._y_true = y_true
        self.full = Predictions(y_true=y_true)
        self._slicing_is_exact: bool | None = None

    def rows(self, fold_is: Any) -> PredictionsLike:
        """``Predictions(y_true=y_true, fold_is=fold_is)``, usually without rebuilding it."""
        if self._slicing_is_exact is False:
            return self._Predictions(y_true=self._y_true, fold_is=fold_is)
        sliced = copy.deepcopy(self.full)
        sliced.set_slice(fold_is)
        if self._slicing_is_exact is None:
            built = self._Predictions(y_true=self._y_true, fold_is=fold_is)
            self._slicing_is_exact = _same_predictions(built, sliced)
            return built
        return sliced


def _same_predictions(first: PredictionsLike, second: PredictionsLike) -> bool:
    if type(first) is not type(second) or vars(first).keys() != vars(second).keys():
        return False
    for name, value in vars(first).items():
        other = vars(second)[name]
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            if not (
                isinstance(other, np.ndarray)
                and value.dtype == other.dtype
                and np.array_equal(value, other, equal_nan=True)
            ):
                return False
        elif isinstance(value, np.ndarray) or value is not other:
            return False
    return True


def check_score_types(
    Predictions: PredictionsType, score_types: Sequence[ScoreTypeLike], y_train: Any
) -> None:
    """Raise :class:`KitError` when a score type cannot score this kit's predictions.

    Scores the ground truth against itself, first on a few hundred rows spread over
    the training set, then (if that failed, e.g. a sample with one class for ROC AUC)
    on all of it, so a mismatch is reported before any submission is trained.
    Prediction types holding objects (detections) are skipped: their ground truth and
    predictions have different layouts, so the truth cannot stand in for predictions.
    """
    if not expects_numeric_predictions(Predictions):
        return
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


class FoldScorer:
    """Scores folds one at a time against fixed labels, building the truth only once.

    Parameters
    ----------
    Predictions, score_types
        From the kit.
    y_train, y_test : array-like
        The labels; ``y_test`` may be None (no test scores).
    """

    def __init__(
        self,
        Predictions: PredictionsType,
        score_types: Sequence[ScoreTypeLike],
        y_train: Any,
        y_test: Any,
    ) -> None:
        self.Predictions = Predictions
        self.score_types = score_types
        self.train_truth = _TruthSlices(Predictions, y_train)
        self.test_truth = None if y_test is None else Predictions(y_true=y_test)

    def members(
        self, fold: Fold, predictions: FoldPredictions
    ) -> tuple[PredictionsLike, PredictionsLike | None]:
        """The fold's valid-row and test predictions, as bagging combines them."""
        valid = self.Predictions(y_pred=predictions.y_pred_train, fold_is=fold[1])
        test = None
        if self.test_truth is not None and predictions.y_pred_test is not None:
            test = self.Predictions(y_pred=predictions.y_pred_test)
        return valid, test

    def score(self, fold: Fold, predictions: FoldPredictions) -> FoldScores:
        """Train, valid and test scores of one fold."""
        train_is, valid_is = fold
        train = self.Predictions(y_pred=predictions.y_pred_train, fold_is=train_is)
        valid, test = self.members(fold, predictions)
        return FoldScores(
            fold=predictions.fold,
            train=_score_all(self.score_types, self.train_truth.rows(train_is), train),
            valid=_score_all(self.score_types, self.train_truth.rows(valid_is), valid),
            test=(
                _score_all(self.score_types, self.test_truth, test)
                if self.test_truth is not None and test is not None
                else {}
            ),
            times=predictions.times,
        )


def _bagging_points(
    Predictions: PredictionsType,
    score_types: Sequence[ScoreTypeLike],
    truth: PredictionsLike,
    predictions_list: Sequence[PredictionsLike],
    rows_list: Sequence[Any] | None,
) -> list[Callable[[], Scores]]:
    n_samples = len(truth.y_pred)
    containers: list[PredictionsLike] = []
    for i, member in enumerate(predictions_list):
        rows = np.arange(len(member.y_pred)) if rows_list is None else rows_list[i]
        container = Predictions(n_samples=n_samples)
        container.set_valid_in_train(member, rows)
        containers.append(container)

    def point(n_bag: int) -> Scores:
        combined = Predictions.combine(containers[: n_bag + 1])
        predicted = combined.valid_indexes
        truth_on_predicted = copy.deepcopy(truth)
        truth_on_predicted.set_slice(predicted)
        combined.set_slice(predicted)
        return _score_all(score_types, truth_on_predicted, combined)

    return [functools.partial(point, n_bag) for n_bag in range(len(containers))]


def bagging_curve(
    *,
    Predictions: PredictionsType,
    score_types: Sequence[ScoreTypeLike],
    truth: PredictionsLike,
    predictions_list: Sequence[PredictionsLike],
    rows_list: Sequence[Any] | None,
    pool: Executor | None = None,
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
    pool : Executor, optional
        Computes the points side by side (they are independent); in order without one.
    """
    points = _bagging_points(Predictions, score_types, truth, predictions_list, rows_list)
    if pool is None:
        return [point() for point in points]
    futures = [pool.submit(point) for point in points]
    return [future.result() for future in futures]


def bagged_scores(
    *,
    Predictions: PredictionsType,
    score_types: Sequence[ScoreTypeLike],
    truth: PredictionsLike,
    predictions_list: Sequence[PredictionsLike],
    rows_list: Sequence[Any] | None,
) -> Scores:
    """Scores of all members combined: the last point of :func:`bagging_curve`."""
    points = _bagging_points(Predictions, score_types, truth, predictions_list, rows_list)
    return points[-1]()


def score_submission(
    *,
    Predictions: PredictionsType,
    score_types: Sequence[ScoreTypeLike],
    y_train: Any,
    y_test: Any,
    folds: Sequence[Fold],
    fold_predictions: Sequence[FoldPredictions],
    fold_scores: Sequence[FoldScores] | None = None,
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
    fold_scores : sequence of FoldScores, optional
        Already computed with a :class:`FoldScorer` (the local engine scores each fold
        in the process that trained it); only the bagging is left to do.

    Returns
    -------
    SubmissionScores
    """
    if len(folds) != len(fold_predictions):
        raise ValueError(f"{len(fold_predictions)} fold predictions for {len(folds)} folds.")
    n_train = len(y_train)
    n_test = None if y_test is None else len(y_test)
    scorer = FoldScorer(Predictions, score_types, y_train, y_test)
    scored: list[FoldScores] = []
    valid_list: list[PredictionsLike] = []
    test_list: list[PredictionsLike] = []
    for i, (fold, predictions) in enumerate(zip(folds, fold_predictions)):
        # Predictions may come from an untrusted sandbox: check them again here.
        validate_predictions(Predictions, predictions.y_pred_train, n_rows=n_train, what="X_train")
        if n_test is not None and predictions.y_pred_test is not None:
            validate_predictions(Predictions, predictions.y_pred_test, n_rows=n_test, what="X_test")
        scored.append(
            fold_scores[i] if fold_scores is not None else scorer.score(fold, predictions)
        )
        valid, test = scorer.members(fold, predictions)
        valid_list.append(valid)
        if test is not None:
            test_list.append(test)
    # The points of both curves are independent and spend most of their time in numpy
    # (combining, sorting for ROC AUC), which releases the GIL: computed side by side
    # on every CPU, they take about half as long.
    with ThreadPoolExecutor(max_workers=available_cpus()) as pool:
        valid_curve = bagging_curve(
            Predictions=Predictions,
            score_types=score_types,
            truth=scorer.train_truth.full,
            predictions_list=valid_list,
            rows_list=[valid_is for _, valid_is in folds],
            pool=pool,
        )
        test_curve: list[Scores] = []
        if scorer.test_truth is not None and len(test_list) == len(folds):
            test_curve = bagging_curve(
                Predictions=Predictions,
                score_types=score_types,
                truth=scorer.test_truth,
                predictions_list=test_list,
                rows_list=None,
                pool=pool,
            )
    return SubmissionScores(
        score_names=[st.name for st in score_types],
        precisions=[int(st.precision) for st in score_types],
        folds=scored,
        bagged=BaggedScores(valid_curve=valid_curve, test_curve=test_curve),
    )
