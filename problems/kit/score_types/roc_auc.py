"""Area under the ROC curve of the positive-class probability."""

from typing import Any

from sklearn.metrics import roc_auc_score

from .base import BinaryProbabilityScoreType


class ROCAUC(BinaryProbabilityScoreType):
    """ROC AUC for binary problems, optionally weighted per sample.

    Examples
    --------
    >>> ROCAUC()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """

    def __init__(self, *, name: str = "roc_auc", precision: int = 3) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return float(roc_auc_score(y_true, y_pred, sample_weight=sample_weight))
