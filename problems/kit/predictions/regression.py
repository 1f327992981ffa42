"""Regression predictions: one value per sample, or one per named output."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import BasePredictions


class Regression(BasePredictions):
    """Real-valued predictions; 1-D unless ``label_names`` names several outputs.

    Examples
    --------
    >>> from problems.kit.predictions import Regression
    >>> Regression(y_pred=[1.0, 3.0]).y_pred.shape
    (2,)
    >>> class Predictions(Regression):
    ...     label_names = ("x", "y")
    >>> Predictions.combine([Predictions(y_pred=[[0, 2]]), Predictions(y_pred=[[2, 4]])]).y_pred
    array([[1., 3.]])
    """

    label_names: ClassVar[tuple[Any, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.label_names = tuple(cls.label_names)
        cls.n_columns = len(cls.label_names)
