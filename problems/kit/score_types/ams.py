"""Approximate median significance (AMS), the HiggsML challenge's official score.

Events carry weights: an event's weight is its expected number of occurrences in the
real data-taking period, so the sums of weights of the selected signal (``s``) and
background (``b``) events are expected counts, and AMS is the significance (in
standard deviations) of the discovery a physicist could claim with that selection.

Ground truth for weighted scores is a *weighted one-hot* array: row ``i`` holds the
event's weight in its true class's column and 0 in the other (a plain one-hot row is
the unit-weight case). The label is the row's arg-max and the weight its sum, so the
other classification scores (accuracy, log loss) read such a ground truth unchanged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..protocols import PredictionsLike
from .base import BaseScoreType


def labels_and_weights(
    weighted_one_hot: Any,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Split a weighted one-hot ground truth into label indices and event weights.

    Examples
    --------
    >>> labels, weights = labels_and_weights([[0.0, 0.5], [2.0, 0.0]])
    >>> labels.tolist(), weights.tolist()
    ([1, 0], [0.5, 2.0])
    """
    rows = np.asarray(weighted_one_hot, dtype=float)
    if rows.ndim != 2:
        raise ValueError(f"Expected a weighted one-hot array, got shape {rows.shape}.")
    weights = rows.sum(axis=1)
    if np.any(weights <= 0) or np.count_nonzero(rows, axis=1).max(initial=1) > 1:
        raise ValueError("Each ground-truth row needs one positive weight, in its class column.")
    return np.asarray(np.argmax(rows, axis=1), dtype=np.intp), weights


def approximate_median_significance(s: float, b: float, *, b_reg: float = 10.0) -> float:
    """``sqrt(2 ((s + b + b_reg) ln(1 + s / (b + b_reg)) - s))``.

    Parameters
    ----------
    s, b : float
        Expected signal and background counts (sums of weights) in the selection.
    b_reg : float
        Regularisation term added to the background; 10 in the HiggsML challenge, so
        that a selection of a handful of events cannot look significant.

    Examples
    --------
    >>> round(approximate_median_significance(2.0, 8.0), 4)
    0.4631
    """
    background = b + b_reg
    if background <= 0:
        raise ValueError("b + b_reg must be positive.")
    radicand = 2.0 * ((s + background) * math.log1p(s / background) - s)
    # The radicand is >= 0 in exact arithmetic; rounding can make it -1e-17.
    return math.sqrt(max(radicand, 0.0))


class AMS(BaseScoreType):
    """AMS of the events a model selects as signal; higher is better.

    An event is *selected* when its signal probability is above ``threshold`` or,
    if ``top_fraction`` is set, when it is among the ``round(top_fraction * n)``
    events of highest signal probability (ties broken by row order). ``s`` and
    ``b`` are the sums of the weights of the selected signal and background events.

    Renormalisation: when ``reference_n_events`` is set, the weights are taken to
    be normalised so that ``reference_n_events`` events carry the full dataset's
    totals, and ``s`` and ``b`` are multiplied by ``reference_n_events / n`` for
    ``n`` scored events. A fold, a quick-test subset or a test set of any size is
    then scored on the scale of the full dataset (in HiggsML, 250,000 events with
    total signal weight ~692 and background ~411,000), so their AMS are comparable.

    Parameters
    ----------
    b_reg : float
        Regularisation of the background count (10 in HiggsML).
    threshold : float
        Signal probability above which an event is selected.
    top_fraction : float, optional
        Select this fraction of the events instead, those ranked highest.
    reference_n_events : int, optional
        Number of events the weights are normalised to; no rescaling when None.

    Examples
    --------
    >>> score = AMS(b_reg=10.0, threshold=0.5)
    >>> y_true = [1, 0, 1, 0]            # signal, background, signal, background
    >>> weights = [1.0, 3.0, 1.0, 5.0]
    >>> proba = [0.9, 0.8, 0.7, 0.1]     # selects rows 0, 1, 2: s = 2, b = 3
    >>> round(score(y_true, proba, sample_weight=weights), 4)
    0.5413
    """

    maximum = float("inf")

    def __init__(
        self,
        *,
        name: str = "ams",
        precision: int = 3,
        b_reg: float = 10.0,
        threshold: float = 0.5,
        top_fraction: float | None = None,
        reference_n_events: int | None = None,
    ) -> None:
        super().__init__(name=name, precision=precision)
        if top_fraction is not None and not 0.0 <= top_fraction <= 1.0:
            raise ValueError(f"top_fraction must be in [0, 1], got {top_fraction}.")
        if reference_n_events is not None and reference_n_events <= 0:
            raise ValueError(f"reference_n_events must be positive, got {reference_n_events}.")
        self.b_reg = b_reg
        self.threshold = threshold
        self.top_fraction = top_fraction
        self.reference_n_events = reference_n_events

    def select(self, y_proba: Any) -> NDArray[np.bool_]:
        """Mask of the events selected as signal, by the decision rule above."""
        proba = np.asarray(y_proba, dtype=float)
        if self.top_fraction is None:
            return np.asarray(proba > self.threshold)
        n_selected = round(self.top_fraction * len(proba))
        selected = np.zeros(len(proba), dtype=bool)
        selected[np.argsort(-proba, kind="stable")[:n_selected]] = True
        return selected

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        """AMS from labels (1 = signal), signal probabilities and event weights."""
        is_signal = np.asarray(y_true) == 1
        n_events = len(is_signal)
        weights = (
            np.ones(n_events) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        )
        if n_events == 0:
            return 0.0
        selected = self.select(y_pred)
        s = float(np.sum(weights[selected & is_signal]))
        b = float(np.sum(weights[selected & ~is_signal]))
        if self.reference_n_events is not None:
            scale = self.reference_n_events / n_events
            s, b = s * scale, b * scale
        return approximate_median_significance(s, b, b_reg=self.b_reg)

    def score_function(self, ground_truths: PredictionsLike, predictions: PredictionsLike) -> float:
        """AMS of ``predictions`` (two-class probabilities, signal second).

        ``ground_truths`` is weighted one-hot (see the module docstring).
        """
        labels, weights = labels_and_weights(ground_truths.y_pred)
        y_proba = signal_probability(predictions.y_pred, n_rows=len(labels))
        return self(labels, y_proba, sample_weight=weights)


def signal_probability(y_pred: Any, *, n_rows: int) -> NDArray[np.float64]:
    """The second (signal) column of two-class probabilities, checking the shape."""
    proba = np.asarray(y_pred, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != 2:
        raise ValueError(f"Expected two-class probabilities, got shape {proba.shape}.")
    if len(proba) != n_rows:
        raise ValueError(f"Wrong y_pred dimensions: expected {n_rows} rows, got {len(proba)}.")
    return proba[:, 1]
