"""What all detection scores share: reading images' craters, filtering the inner patch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...protocols import PredictionsLike
from ..base import BaseScoreType
from .geometry import (
    MARGIN,
    PATCH_SIZE,
    Circle,
    Detection,
    as_circles,
    as_detections,
    in_inner_patch,
)


class DetectionScoreType(BaseScoreType):
    """A score on per-image lists of circles.

    ``y_true`` holds, per image, a list of ``(row, col, radius)``; ``y_pred`` a list of
    ``(confidence, row, col, radius)``. Images left ``None`` (not predicted) are skipped.

    Parameters
    ----------
    name : str
    precision : int
    margin : int
        Craters whose centre lies within ``margin`` pixels of the border are ignored.
    conf_threshold : float
        Detections with a confidence at or below it are dropped (scores that rank
        detections by confidence, such as average precision, ignore it).
    """

    def __init__(
        self,
        *,
        name: str,
        precision: int = 2,
        margin: int = MARGIN,
        conf_threshold: float = 0.5,
    ) -> None:
        super().__init__(name=name, precision=precision)
        self.margin = margin
        self.conf_threshold = conf_threshold

    def arrays(
        self, ground_truths: PredictionsLike, predictions: PredictionsLike
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        return np.asarray(ground_truths.y_pred, dtype=object), np.asarray(
            predictions.y_pred, dtype=object
        )

    def _inner(self, circles: list[Circle]) -> list[Circle]:
        return [c for c in circles if in_inner_patch(c[0], c[1], margin=self.margin)]

    def images(
        self, y_true: Sequence[Any], y_pred: Sequence[Any], *, use_threshold: bool = True
    ) -> Iterator[tuple[list[Circle], list[Detection]]]:
        """Per image: inner true circles and inner detections (above the threshold)."""
        for truth, predicted in zip(y_true, y_pred, strict=True):
            if truth is None or predicted is None:
                continue
            detections = [
                d
                for d in as_detections(predicted)
                if in_inner_patch(d[1], d[2], margin=self.margin)
                and (not use_threshold or d[0] > self.conf_threshold)
            ]
            yield self._inner(as_circles(truth)), detections


def circles_of(detections: Sequence[Detection]) -> list[Circle]:
    """The ``(row, col, radius)`` part of detections."""
    return [(d[1], d[2], d[3]) for d in detections]


__all__ = ["PATCH_SIZE", "DetectionScoreType", "circles_of"]
