"""The score-type contract: ground truth first, higher or lower is better, bounds.

Each score type is called two ways: ``score(y_true, y_pred)`` on plain arrays, and
``score_function(ground_truths, predictions)`` on ``Predictions`` (what the engine and
the blender use), which picks the array view the metric needs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..protocols import PredictionsLike


class BaseScoreType(ABC):
    """A metric with a name, a display precision, a direction and bounds.

    Parameters
    ----------
    name : str
        Column name on leaderboards and in score tables.
    precision : int
        Decimals shown.
    """

    is_lower_the_better: bool = False
    minimum: float = 0.0
    maximum: float = 1.0

    def __init__(self, *, name: str, precision: int = 2) -> None:
        self.name = name
        self.precision = precision

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, precision={self.precision})"

    @property
    def worst(self) -> float:
        """The worst possible value, in this score's direction."""
        return self.maximum if self.is_lower_the_better else self.minimum

    @abstractmethod
    def __call__(self, y_true: Any, y_pred: Any) -> float:
        """Score arrays (the layout depends on the score type)."""

    def arrays(
        self, ground_truths: PredictionsLike, predictions: PredictionsLike
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        """The (y_true, y_pred) arrays this metric reads from two ``Predictions``."""
        return np.asarray(ground_truths.y_pred), np.asarray(predictions.y_pred)

    def score_function(self, ground_truths: PredictionsLike, predictions: PredictionsLike) -> float:
        """Score ``predictions`` against ``ground_truths`` (both ``Predictions``)."""
        y_true, y_pred = self.arrays(ground_truths, predictions)
        if len(y_true) != len(y_pred):
            raise ValueError(
                f"Wrong y_pred dimensions: expected {len(y_true)} rows, got {len(y_pred)}."
            )
        return float(self(y_true, y_pred))


class ClassifierScoreType(BaseScoreType):
    """A metric on label indices (the arg-max of multiclass probabilities)."""

    def arrays(
        self, ground_truths: PredictionsLike, predictions: PredictionsLike
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        return (
            np.argmax(np.asarray(ground_truths.y_pred), axis=1),
            np.argmax(np.asarray(predictions.y_pred), axis=1),
        )


class BinaryProbabilityScoreType(BaseScoreType):
    """A metric on the true label index and the probability of the second label."""

    def arrays(
        self, ground_truths: PredictionsLike, predictions: PredictionsLike
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        y_proba = np.asarray(predictions.y_pred)
        if y_proba.ndim != 2 or y_proba.shape[1] != 2:
            raise ValueError(
                f"{type(self).__name__} needs two-class probabilities, got shape {y_proba.shape}."
            )
        return np.argmax(np.asarray(ground_truths.y_pred), axis=1), y_proba[:, 1]
