"""Brier score of the probability given to the second (positive) label."""

from typing import Any

from sklearn.metrics import brier_score_loss

from .base import BinaryProbabilityScoreType


class BrierScore(BinaryProbabilityScoreType):
    """Mean squared error of the positive-class probability (binary problems).

    Examples
    --------
    >>> BrierScore()([0, 1], [0.0, 0.5])
    0.125
    """

    is_lower_the_better = True

    def __init__(self, *, name: str = "brier_score", precision: int = 3) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return float(brier_score_loss(y_true, y_pred))
