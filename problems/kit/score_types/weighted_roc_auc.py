"""ROC AUC with each event weighted by the weight its ground truth carries."""

from __future__ import annotations

from typing import Any

from sklearn.metrics import roc_auc_score

from ..protocols import PredictionsLike
from .ams import labels_and_weights, signal_probability
from .base import BaseScoreType


class WeightedROCAUC(BaseScoreType):
    """ROC AUC of the positive-class probability, events weighted by their weight.

    ``score_function`` reads labels and weights from a weighted one-hot ground truth
    (see :mod:`problems.kit.score_types.ams`); a plain one-hot ground truth gives the
    unweighted ROC AUC.

    Examples
    --------
    >>> score = WeightedROCAUC()
    >>> score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], sample_weight=[1, 3, 1, 1])
    0.625
    """

    def __init__(self, *, name: str = "weighted_auc", precision: int = 3) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return float(roc_auc_score(y_true, y_pred, sample_weight=sample_weight))

    def score_function(self, ground_truths: PredictionsLike, predictions: PredictionsLike) -> float:
        labels, weights = labels_and_weights(ground_truths.y_pred)
        y_proba = signal_probability(predictions.y_pred, n_rows=len(labels))
        return self(labels, y_proba, sample_weight=weights)
