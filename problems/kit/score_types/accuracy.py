"""Accuracy and its complement, classification error."""

from typing import Any

from sklearn.metrics import accuracy_score

from .base import ClassifierScoreType


class Accuracy(ClassifierScoreType):
    """Fraction of rows whose most probable label is the true one.

    Examples
    --------
    >>> Accuracy()([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """

    def __init__(self, *, name: str = "accuracy", precision: int = 2) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return float(accuracy_score(y_true, y_pred))


class ClassificationError(ClassifierScoreType):
    """Fraction of rows whose most probable label is wrong (1 - accuracy).

    Examples
    --------
    >>> ClassificationError()([0, 1, 1, 0], [0, 1, 0, 0])
    0.25
    """

    is_lower_the_better = True

    def __init__(self, *, name: str = "error", precision: int = 2) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return 1.0 - float(accuracy_score(y_true, y_pred))
