"""F1 above a threshold: the share of classes whose F1 score beats it."""

from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from .base import ClassifierScoreType


class F1Above(ClassifierScoreType):
    """Fraction of classes (among those present) with an F1 score above ``threshold``.

    Examples
    --------
    >>> F1Above(threshold=0.5)([0, 0, 1, 1], [0, 0, 0, 1])
    1.0
    """

    def __init__(
        self, *, name: str = "f1_above", precision: int = 2, threshold: float = 0.5
    ) -> None:
        super().__init__(name=name, precision=precision)
        self.threshold = threshold

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        per_class = np.asarray(f1_score(y_true, y_pred, average=None, zero_division=0))
        return float(np.mean(per_class > self.threshold))
