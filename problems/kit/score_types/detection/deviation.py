"""Mean absolute deviation of matched craters' centres and radii, relative to the radius."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import DetectionScoreType, circles_of
from .geometry import MARGIN, match_circles

# Reported when no detection matched: one true radius, the largest centre offset at
# which two equal circles still overlap by about a third, so missing everything never
# scores better than finding something roughly.
_NOTHING_MATCHED = 1.0


class _MatchedDeviation(DetectionScoreType):
    is_lower_the_better = True
    maximum = float("inf")

    def __init__(
        self,
        *,
        name: str,
        precision: int = 3,
        iou_threshold: float = 0.1,
        margin: int = MARGIN,
        conf_threshold: float = 0.5,
    ) -> None:
        super().__init__(
            name=name, precision=precision, margin=margin, conf_threshold=conf_threshold
        )
        self.iou_threshold = iou_threshold

    def _deviation(self, truth: tuple[float, ...], found: tuple[float, ...]) -> float:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        deviations = []
        for truths, detections in self.images(y_true, y_pred):
            predicted = circles_of(detections)
            for i, j, iou in match_circles(truths, predicted):
                if iou > self.iou_threshold:
                    deviations.append(self._deviation(truths[i], predicted[j]))
        return float(np.mean(deviations)) if deviations else _NOTHING_MATCHED


class MADCenter(_MatchedDeviation):
    """Mean distance between matched centres, in units of the true radius.

    Pairs are matched by the Hungarian algorithm on IoU and kept above
    ``iou_threshold``; with no such pair the score is 1 (one radius).

    Examples
    --------
    >>> MADCenter(margin=0)([[(10, 10, 5)]], [[(0.9, 13, 14, 5)]])
    1.0
    >>> MADCenter(margin=0)([[(10, 10, 4)]], [[(0.9, 10, 12, 4)]])
    0.5
    """

    def __init__(self, *, name: str = "mad_center", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)

    def _deviation(self, truth: tuple[float, ...], found: tuple[float, ...]) -> float:
        return float(np.hypot(truth[0] - found[0], truth[1] - found[1]) / truth[2])


class MADRadius(_MatchedDeviation):
    """Mean absolute radius error of matched craters, relative to the true radius.

    Examples
    --------
    >>> MADRadius(margin=0)([[(10, 10, 4)]], [[(0.9, 10, 10, 5)]])
    0.25
    """

    def __init__(self, *, name: str = "mad_radius", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)

    def _deviation(self, truth: tuple[float, ...], found: tuple[float, ...]) -> float:
        return abs(truth[2] - found[2]) / truth[2]
