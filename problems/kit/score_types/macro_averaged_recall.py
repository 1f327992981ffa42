"""Macro-averaged recall: every class weighs the same, however rare."""

from typing import Any

from sklearn.metrics import recall_score

from .base import ClassifierScoreType


class MacroAveragedRecall(ClassifierScoreType):
    """Unweighted mean of the per-class recalls.

    Examples
    --------
    >>> MacroAveragedRecall()([0, 0, 1, 1], [0, 0, 0, 1])
    0.75
    """

    def __init__(self, *, name: str = "macro_averaged_recall", precision: int = 2) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return float(recall_score(y_true, y_pred, average="macro", zero_division=0))
