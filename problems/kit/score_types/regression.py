"""Regression errors: RMSE, relative RMSE and mean absolute relative error."""

from typing import Any

import numpy as np
from sklearn.metrics import mean_absolute_percentage_error, root_mean_squared_error

from .base import BaseScoreType


class RMSE(BaseScoreType):
    """Root mean squared error.

    Examples
    --------
    >>> RMSE()([0.0, 0.0], [3.0, 4.0]) == (12.5) ** 0.5
    True
    """

    is_lower_the_better = True
    maximum = float("inf")

    def __init__(self, *, name: str = "rmse", precision: int = 2) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return float(root_mean_squared_error(y_true, y_pred))


class RelativeRMSE(BaseScoreType):
    """Root mean squared error relative to the true value, ``(y - ŷ) / y``.

    Examples
    --------
    >>> RelativeRMSE()([1.0, 2.0], [1.5, 2.0])
    0.3535533905932738
    """

    is_lower_the_better = True
    maximum = float("inf")

    def __init__(self, *, name: str = "relative_rmse", precision: int = 2) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        y_true = np.asarray(y_true, dtype=float)
        relative = (y_true - np.asarray(y_pred, dtype=float)) / y_true
        return float(np.sqrt(np.mean(np.square(relative))))


class MARE(BaseScoreType):
    """Mean absolute relative error, ``mean(|y - ŷ| / |y|)``.

    Examples
    --------
    >>> MARE()([1.0, 2.0], [1.5, 2.0])
    0.25
    """

    is_lower_the_better = True
    maximum = float("inf")

    def __init__(self, *, name: str = "mare", precision: int = 2) -> None:
        super().__init__(name=name, precision=precision)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return float(mean_absolute_percentage_error(y_true, y_pred))
