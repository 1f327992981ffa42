"""OSPA: the optimal sub-pattern assignment distance between true and found craters."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import DetectionScoreType, circles_of
from .geometry import MARGIN, match_circles


class OSPA(DetectionScoreType):
    """Mean over images of the OSPA distance with base distance ``1 - IoU``, cut-off 1.

    Per image with ``m`` true and ``n`` found craters (not both zero)::

        ospa = (sum over matched pairs of (1 - IoU) + |m - n|) / max(m, n)

    the pairs being the Hungarian assignment maximising the total IoU. An image with
    neither true nor found craters scores 0 (perfect); 1 is the worst.

    Examples
    --------
    >>> OSPA(margin=0)([[(10, 10, 5)], []], [[(0.9, 10, 10, 5), (0.9, 50, 50, 5)], []])
    0.25
    """

    is_lower_the_better = True

    def __init__(
        self,
        *,
        name: str = "ospa",
        precision: int = 3,
        margin: int = MARGIN,
        conf_threshold: float = 0.5,
    ) -> None:
        super().__init__(
            name=name, precision=precision, margin=margin, conf_threshold=conf_threshold
        )

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        distances = []
        for truths, detections in self.images(y_true, y_pred):
            n_found, n_true = len(detections), len(truths)
            if n_found == 0 and n_true == 0:
                distances.append(0.0)
                continue
            pairs = match_circles(truths, circles_of(detections))
            cost = sum(1.0 - iou for _, _, iou in pairs) + abs(n_true - n_found)
            distances.append(cost / max(n_true, n_found))
        return float(np.mean(distances)) if distances else 0.0
