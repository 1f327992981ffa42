"""A weighted combination of score types that share a direction."""

from collections.abc import Sequence
from typing import Any

from ..protocols import PredictionsLike
from .base import BaseScoreType


class Combined(BaseScoreType):
    """``sum(weight * score)`` over several score types of the same direction.

    Examples
    --------
    >>> from problems.kit.score_types import Accuracy, BalancedAccuracy
    >>> from problems.kit.predictions import Multiclass
    >>> class P(Multiclass):
    ...     label_names = (0, 1)
    >>> score = Combined(
    ...     score_types=[Accuracy(), BalancedAccuracy(adjusted=False)], weights=[0.5, 0.5]
    ... )
    >>> score.score_function(P(y_true=[0, 0, 0, 1]), P(y_pred=[[1, 0]] * 4))
    0.625
    """

    def __init__(
        self,
        *,
        score_types: Sequence[BaseScoreType],
        weights: Sequence[float],
        name: str = "combined",
        precision: int = 2,
    ) -> None:
        super().__init__(name=name, precision=precision)
        if not score_types or len(score_types) != len(weights):
            raise ValueError("Combined needs as many weights as score types, at least one.")
        directions = {score_type.is_lower_the_better for score_type in score_types}
        if len(directions) != 1:
            raise ValueError("Cannot combine lower-is-better and higher-is-better scores.")
        self.score_types = list(score_types)
        self.weights = [float(weight) for weight in weights]
        self.is_lower_the_better = directions.pop()
        self.minimum = sum(w * s.minimum for w, s in zip(self.weights, self.score_types))
        self.maximum = sum(w * s.maximum for w, s in zip(self.weights, self.score_types))

    def score_function(self, ground_truths: PredictionsLike, predictions: PredictionsLike) -> float:
        return sum(
            weight * score_type.score_function(ground_truths, predictions)
            for weight, score_type in zip(self.weights, self.score_types)
        )

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        raise TypeError("Combined scores Predictions: call score_function instead.")
