"""Balanced accuracy: the mean per-class recall, optionally chance-adjusted."""

from typing import Any

from sklearn.metrics import balanced_accuracy_score

from .base import ClassifierScoreType


class BalancedAccuracy(ClassifierScoreType):
    """Mean recall over classes; with ``adjusted`` chance scores 0 and perfect 1.

    Examples
    --------
    >>> BalancedAccuracy(adjusted=False)([0, 0, 0, 1], [0, 0, 0, 0])
    0.5
    """

    def __init__(
        self, *, name: str = "balanced_accuracy", precision: int = 2, adjusted: bool = True
    ) -> None:
        super().__init__(name=name, precision=precision)
        self.adjusted = adjusted
        # Adjusted balanced accuracy of a worse-than-chance model goes below zero.
        self.minimum = -1.0 if adjusted else 0.0

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return float(balanced_accuracy_score(y_true, y_pred, adjusted=self.adjusted))
