"""SCP: the share of crater area (counted with overlaps) that true and found maps disagree on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .base import PATCH_SIZE, DetectionScoreType
from .geometry import MARGIN, Circle, as_circles, as_detections


def coverage_map(circles: Sequence[Circle], *, shape: tuple[int, int]) -> NDArray[np.int64]:
    """How many circles cover each pixel (pixel centres at integer coordinates)."""
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    counts = np.zeros(shape, dtype=np.int64)
    for row, col, radius in circles:
        counts += (rows - row) ** 2 + (cols - col) ** 2 <= radius**2
    return counts


class SCP(DetectionScoreType):
    """Pixel-wise disagreement of crater coverage maps, over the scored inner square.

    Each pixel counts the circles covering it, for the truth and for the detections
    above ``conf_threshold``; on the inner square (``margin`` pixels in from each
    border), summed over all images::

        scp = sum |true_count - found_count| / sum (true_count + found_count)

    0 is a perfect overlap, 1 no overlap at all; images without any crater on either
    side add nothing.

    Examples
    --------
    >>> SCP(margin=0, shape=(20, 20))([[(10, 10, 3)]], [[(0.9, 10, 10, 3)]])
    0.0
    >>> SCP(margin=0, shape=(20, 20))([[(5, 5, 2)]], [[(0.9, 14, 14, 2)]])
    1.0
    """

    is_lower_the_better = True

    def __init__(
        self,
        *,
        name: str = "scp",
        precision: int = 3,
        margin: int = MARGIN,
        conf_threshold: float = 0.5,
        shape: tuple[int, int] = (PATCH_SIZE, PATCH_SIZE),
    ) -> None:
        super().__init__(
            name=name, precision=precision, margin=margin, conf_threshold=conf_threshold
        )
        self.shape = shape

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        inner = (
            slice(self.margin, self.shape[0] - self.margin),
            slice(self.margin, self.shape[1] - self.margin),
        )
        disagreement = total = 0
        for truth, predicted in zip(y_true, y_pred, strict=True):
            if truth is None or predicted is None:
                continue
            # Circles are not filtered by centre: a crater overlapping the inner
            # square from outside covers scored pixels and must be found there too.
            found = [d[1:] for d in as_detections(predicted) if d[0] > self.conf_threshold]
            true_map = coverage_map(as_circles(truth), shape=self.shape)[inner]
            found_map = coverage_map(found, shape=self.shape)[inner]
            disagreement += int(np.abs(true_map - found_map).sum())
            total += int(true_map.sum() + found_map.sum())
        return disagreement / total if total else 0.0
