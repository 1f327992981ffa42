"""Negative log-likelihood (log loss) of the predicted probabilities."""

from typing import Any

import numpy as np
from sklearn.metrics import log_loss

from .base import BaseScoreType


class NegativeLogLikelihood(BaseScoreType):
    """Mean negative log-probability given to the true label.

    Examples
    --------
    >>> round(NegativeLogLikelihood()([[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]]), 4)
    0.6931
    """

    is_lower_the_better = True
    maximum = float("inf")

    def __init__(self, *, name: str = "nll", precision: int = 2) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        y_true = np.asarray(y_true)
        y_proba = np.asarray(y_pred, dtype=float)
        # Probabilities are renormalised so a model whose rows do not quite sum to 1
        # (float32 softmax, say) is scored rather than rejected.
        y_proba = np.clip(y_proba, 1e-15, 1.0)
        y_proba = y_proba / y_proba.sum(axis=1, keepdims=True)
        labels = np.arange(y_proba.shape[1])
        return float(log_loss(np.argmax(y_true, axis=1), y_proba, labels=labels))
