"""Vectorised *screening* scores: many candidate ensembles scored in one array op.

A screening score approximates what the score type's own ``score_function`` returns,
up to floating-point rounding (different summation order, float64 instead of float32
arithmetic). It never decides alone: the selector re-scores with the score type every
candidate whose screening value lies within :meth:`FastMetric.tolerance` of a decision
boundary, so the choices are those of the generic path. Only score types whose formula
is reproduced here get a fast path (recognised by exact class, ours or ramp-workflow's);
anything else, or a subclass that might compute something else, goes the generic way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from .. import score_types as kit_scores

FloatArray = NDArray[np.floating[Any]]

# Kinds of metric reproduced below.
_ACCURACY, _ERROR, _NLL, _BRIER, _AUC, _RMSE = "accuracy", "error", "nll", "brier", "auc", "rmse"

_RAMPWF_KINDS = {
    "rampwf.score_types.accuracy.Accuracy": _ACCURACY,
    "rampwf.score_types.classification_error.ClassificationError": _ERROR,
    "rampwf.score_types.negative_log_likelihood.NegativeLogLikelihood": _NLL,
    "rampwf.score_types.brier_score.BrierScore": _BRIER,
    "rampwf.score_types.roc_auc.ROCAUC": _AUC,
    "rampwf.score_types.rmse.RMSE": _RMSE,
}
_KIT_KINDS: dict[type, str] = {
    kit_scores.Accuracy: _ACCURACY,
    kit_scores.ClassificationError: _ERROR,
    kit_scores.NegativeLogLikelihood: _NLL,
    kit_scores.BrierScore: _BRIER,
    kit_scores.ROCAUC: _AUC,
    kit_scores.RMSE: _RMSE,
}
_BINARY_ONLY = {_BRIER, _AUC}
# Rows multiplied together before one logarithm, at most (see _sum_of_logs).
_LOG_GROUP = 8
_LARGEST = float(np.finfo(np.float64).max)
_CLASSIFICATION = {_ACCURACY, _ERROR, _NLL, _BRIER, _AUC}


def metric_kind(score_type: Any) -> tuple[str, bool] | None:
    """``(kind, is_ours)`` when ``score_type`` is exactly a class reproduced here."""
    cls = type(score_type)
    if cls in _KIT_KINDS:
        return _KIT_KINDS[cls], True
    kind = _RAMPWF_KINDS.get(f"{cls.__module__}.{cls.__qualname__}")
    return (kind, False) if kind is not None else None


@dataclass(frozen=True)
class FastMetric:
    """Screens candidate predictions against one fold's ground truth.

    ``truth_index`` holds the true label index per row (classification) and
    ``truth_values`` the true values (regression). ``is_ours`` selects the
    ``problems.kit`` variant of a formula (our NLL clips and renormalises first).
    """

    kind: str
    is_ours: bool
    compute_dtype: np.dtype[Any]
    truth_index: NDArray[np.intp] | None = None
    truth_values: NDArray[np.float64] | None = None

    @property
    def n_rows(self) -> int:
        """The fold's number of valid rows."""
        truth = self.truth_index if self.truth_index is not None else self.truth_values
        return 0 if truth is None else len(truth)

    @property
    def column(self) -> str | None:
        """The one column candidate ensembles are screened on, if one suffices.

        ``"true"``: the true label's probability (NLL); ``"positive"``: the second
        label's (ROC AUC, Brier); None: all columns (accuracy, regression).
        """
        if self.kind == _NLL:
            return "true"
        return "positive" if self.kind in _BINARY_ONLY else None

    def screen(self, predictions: FloatArray) -> NDArray[np.float64]:
        """Scores of a block of raw candidates, shape ``(n_candidates,)``.

        ``predictions`` has shape ``(n_candidates, n_rows[, n_columns])``; a candidate
        the formula cannot vouch for (values outside [0, 1] where the metric would
        raise, non-finite values) gets NaN, which forces an exact evaluation.
        """
        if self.kind == _RMSE:
            return self._rmse(predictions)
        if self.kind in (_ACCURACY, _ERROR):
            return self._accuracy(predictions)
        flat = predictions.reshape(len(predictions), -1)  # faster than a multi-axis min
        low, high = np.min(flat, axis=1), np.max(flat, axis=1)
        invalid = ~(np.isfinite(low) & np.isfinite(high))
        if self.kind == _NLL:
            if self.is_ours:
                # Our NegativeLogLikelihood clips to [1e-15, 1] and renormalises rows.
                clipped = np.clip(predictions.astype(np.float64), 1e-15, 1.0)
                true = self._true_column(clipped)
                scores = self.screen_column(true / clipped.sum(axis=2))
            else:
                invalid |= (low < 0) | (high > 1)  # sklearn's log_loss raises
                scores = self.screen_column(self._true_column(predictions))
        else:
            invalid |= (low < 0) | (high > 1)
            scores = self.screen_column(predictions[:, :, 1])
        return np.where(invalid, np.nan, scores)

    def screen_pair(
        self, column: FloatArray, other: FloatArray, *, sums: bool = False
    ) -> NDArray[np.float64]:
        """:meth:`screen` of two-column members given as their two raw columns.

        ``column`` holds each member's :attr:`column` ``(n_members, n_rows)`` and
        ``other`` its other column; neither is modified. The values are those of
        :meth:`screen` on the members (a row sum of two is one commutative addition),
        without materialising the members whole. ``sums``: ``other`` holds the row
        sums instead, and every value is known finite and inside the multiclass
        clipping bounds (so within [0, 1], and no clipping applies).
        """
        if sums:
            if self.kind == _NLL and self.is_ours:
                return self.screen_column(np.divide(column, other, dtype=np.float64))
            return self.screen_column(column, overwrite=False)
        low = np.minimum(np.min(column, axis=1), np.min(other, axis=1))
        high = np.maximum(np.max(column, axis=1), np.max(other, axis=1))
        invalid = ~(np.isfinite(low) & np.isfinite(high))
        if self.kind == _NLL and self.is_ours:
            clipped = np.clip(column.astype(np.float64), 1e-15, 1.0)
            total = np.clip(other.astype(np.float64), 1e-15, 1.0)
            np.add(clipped, total, out=total)
            scores = self.screen_column(np.divide(clipped, total, out=clipped))
        else:
            invalid |= (low < 0) | (high > 1)
            scores = self.screen_column(column, overwrite=False)
        return np.where(invalid, np.nan, scores)

    def _true_column(self, predictions: FloatArray) -> FloatArray:
        """``predictions[:, i, truth_index[i]]`` as a new ``(n_candidates, n_rows)`` array."""
        assert self.truth_index is not None
        n_columns = predictions.shape[2]
        if n_columns not in self._flat_true:  # the true value's index in a flattened row
            flat = np.arange(len(self.truth_index)) * n_columns + self.truth_index
            self._flat_true[n_columns] = flat
        rows = np.ascontiguousarray(predictions).reshape(len(predictions), -1)
        return np.take(rows, self._flat_true[n_columns], axis=1)

    @cached_property
    def _flat_true(self) -> dict[int, NDArray[np.intp]]:
        return {}

    def _rmse(self, predictions: FloatArray) -> NDArray[np.float64]:
        assert self.truth_values is not None
        errors = predictions.astype(np.float64) - self.truth_values
        return np.asarray(np.sqrt(np.mean(np.square(errors), axis=1)))

    def _accuracy(self, predictions: FloatArray) -> NDArray[np.float64]:
        correct = np.argmax(predictions, axis=2) == self.truth_index
        accuracy = np.mean(correct, axis=1)
        return np.asarray(accuracy if self.kind == _ACCURACY else 1.0 - accuracy)

    def screen_column(self, values: FloatArray, *, overwrite: bool = True) -> NDArray[np.float64]:
        """Scores from the :attr:`column` of candidate ensembles, ``(n_candidates, n_rows)``.

        Ensembles of clipped, renormalised members are valid probabilities, so no
        range checks; our NLL's renormalisation changes their rows by ulps only.
        ``values`` may be overwritten, unless ``overwrite`` is false.
        """
        assert self.truth_index is not None
        if self.kind == _NLL:
            dtype = np.float64 if self.is_ours else self.compute_dtype
            eps = float(np.finfo(dtype).eps)
            # Without overwrite, clipping into a new array is the copy, in the same pass.
            values = np.clip(values, eps, 1 - eps, out=values if overwrite else None)
            log_sums = _sum_of_logs(values, floor=eps, ceiling=1.0)
            return np.asarray(-log_sums.astype(np.float64) / values.shape[1])
        if self.kind == _BRIER:
            errors = self.truth_index - values.astype(np.float64)
            return np.asarray(np.mean(np.square(errors), axis=1))
        return _roc_auc(self.truth_index, values.astype(np.float64))

    def screen_sums(self, sums: FloatArray, count: int, *, floor: float) -> NDArray[np.float64]:
        """:meth:`screen_column` of ``sums / count``; ``sums`` is overwritten.

        ``floor`` is a lower bound of ``sums`` (the ensemble's own sum, before adding
        a candidate). NLL then skips the division and the clipping when the clip
        cannot apply: ``log(s) - log(count)`` is within an ulp of ``log(s / count)``.
        """
        if self.kind == _NLL:
            eps = float(np.finfo(np.float64 if self.is_ours else self.compute_dtype).eps)
            if floor > 2 * eps * count:
                # Candidate sums lie in [floor, count]: an ensemble member is at most 1.
                log_sums = _sum_of_logs(sums, floor=floor, ceiling=count)
                mean_log = log_sums.astype(np.float64) / sums.shape[1]
                return np.asarray(float(np.log(count)) - mean_log)
        np.divide(sums, count, out=sums)
        return self.screen_column(sums)

    @property
    def screens_in_float32(self) -> bool:
        """Whether ensembles may be screened in float32 first (NLL of float64 members).

        Reading the stack is what a step costs (memory bandwidth), so half the bytes
        is nearly half the time; the close calls are then re-screened in float64.
        """
        return self.kind == _NLL and self.compute_dtype == np.float64

    def skips_clipping(self, floor: float, count: int) -> bool:
        """Whether :meth:`screen_sums` of sums ``>= floor`` takes no clipping branch."""
        eps = float(np.finfo(np.float64 if self.is_ours else self.compute_dtype).eps)
        return self.kind == _NLL and floor > 2 * eps * count

    def tolerance(
        self, scores: NDArray[np.float64], *, dtype: Any = None, magnitude: float = 0.0
    ) -> NDArray[np.float64]:
        """Bound on |screening - exact| for these screening values.

        sklearn computes in ``compute_dtype``: an ulp or so per row, accumulated by
        numpy's pairwise sum (about log2(n) ulps of the total at worst). The margin
        is several times that bound; ranks and counts are exact, so AUC and
        accuracy only carry float64 rounding. ``dtype=np.float32``: the bound for
        screening values computed in float32 (rounding the inputs, the products of
        rows before the logarithm, the logarithm and the sum each cost a few float32
        ulps per row; the same formula, with float32's epsilon, is several times
        their sum). ``magnitude``: how much larger than the score the per-row terms
        may be (``log(count)`` for :meth:`screen_sums`).
        """
        exact_counts = self.kind in (_ACCURACY, _ERROR, _AUC)
        if dtype is None:
            dtype = np.float64 if exact_counts else self.compute_dtype
        has_truth = self.truth_index is not None or self.truth_values is not None
        n_rows = self.n_rows if has_truth else 1
        unit = 8 * float(np.finfo(dtype).eps) * max(1.0, float(np.ceil(np.log2(n_rows + 2))))
        # |nan_to_num(scores)| (NaN as 0, infinities as the largest float), in fewer calls.
        sizes = np.abs(scores)
        sizes = np.where(np.isnan(sizes), 0.0, np.minimum(sizes, _LARGEST))
        return unit * (1.0 + magnitude + sizes)


def _sum_of_logs(values: FloatArray, *, floor: float, ceiling: float) -> FloatArray:
    """Row sums of ``log(values)`` for values in [floor, ceiling]; ``values`` is overwritten.

    The logarithm is what a screening step costs: rows are first multiplied in groups
    of up to :data:`_LOG_GROUP`, as far as the products stay well inside the dtype's
    normal range, and only the products' logarithms are taken. Each product rounds
    about once more per row, a fraction of the tolerance's allowance for rounding.
    """
    limit = 0.9 * float(np.log(np.finfo(values.dtype).max))  # about the smallest too
    widest = max(-float(np.log(floor * 0.5)), float(np.log(ceiling * 2.0)), 1.0)
    group = _LOG_GROUP
    while group > 1 and group * widest > limit:
        group //= 2
    n_rows = values.shape[1]
    width = n_rows - n_rows % group
    while width % 2 == 0 and width > n_rows // group:
        width //= 2
        np.multiply(values[:, :width], values[:, width : 2 * width], out=values[:, :width])
    # The rows past a multiple of the group size are not multiplied.
    rest = values[:, n_rows - n_rows % group :]
    logs = np.log(values[:, :width], out=values[:, :width])
    total = np.sum(logs, axis=1)
    if rest.shape[1]:
        total += np.sum(np.log(rest, out=rest), axis=1)
    return np.asarray(total)


def _roc_auc(truth_index: NDArray[np.intp], positive: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rank-based (Mann-Whitney) AUC per row of ``positive``, ties counted half."""
    is_positive = truth_index == 1
    n_positive = int(is_positive.sum())
    n_negative = len(truth_index) - n_positive
    if n_positive == 0 or n_negative == 0:
        return np.full(len(positive), np.nan)  # undefined: the exact path raises
    ranks = rankdata(positive, axis=1)
    rank_sum = ranks[:, is_positive].sum(axis=1)
    return np.asarray((rank_sum - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative))


def make_fast_metric(
    score_type: Any,
    *,
    compute_dtype: np.dtype[Any],
    combine_kind: str,
    n_columns: int,
    truth: Callable[[], Any],
    label_index: NDArray[np.intp] | None = None,
) -> FastMetric | None:
    """The fast metric for ``score_type`` on this fold's ground truth, or None.

    ``truth()`` returns the fold's ground-truth ``Predictions``; it is not called for
    classification when ``label_index``, each row's label index in a one-hot truth, is
    given. ``combine_kind`` is ``"multiclass"`` or ``"mean"`` (see
    :mod:`.prediction_kinds`).
    """
    recognised = metric_kind(score_type)
    if recognised is None:
        return None
    metric, is_ours = recognised
    if metric in _CLASSIFICATION:
        if combine_kind != "multiclass" or (metric in _BINARY_ONLY and n_columns != 2):
            return None
        if label_index is None:
            label_index = _one_hot_index(np.asarray(truth().y_pred))
        if label_index is None:
            return None
        return FastMetric(metric, is_ours, compute_dtype, truth_index=label_index)
    truth_array = np.asarray(truth().y_pred)
    if combine_kind != "mean" or truth_array.ndim != 1:
        return None
    values = truth_array.astype(np.float64)
    return FastMetric(metric, is_ours, compute_dtype, truth_values=values)


def _one_hot_index(truth: NDArray[Any]) -> NDArray[np.intp] | None:
    """Each row's label index, if every row of ``truth`` is one-hot."""
    # Fractional (multi-label) truth rows make NLL a weighted sum: not reproduced.
    if truth.ndim != 2 or not np.all(np.sum(truth == 1.0, axis=1) == 1):
        return None
    return np.asarray(np.argmax(truth, axis=1), dtype=np.intp)
