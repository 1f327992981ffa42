"""Average precision: the area under the precision-recall curve over confidence cut-offs."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .base import DetectionScoreType, circles_of
from .geometry import MARGIN, Circle, match_circles


def precision_recall_curve(
    images: list[tuple[list[Circle], list[tuple[float, float, float, float]]]],
    *,
    iou_threshold: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Precision and recall when keeping detections at or above each distinct confidence.

    Cut-offs go from the most to the least confident; at each one, every image's kept
    detections are matched to its craters afresh (Hungarian, IoU above the threshold).
    """
    n_true = sum(len(truths) for truths, _ in images)
    ranked = sorted(
        ((d[0], image, d) for image, (_, detections) in enumerate(images) for d in detections),
        key=lambda item: -item[0],
    )
    kept: list[list[Circle]] = [[] for _ in images]
    matched = np.zeros(len(images), dtype=int)
    precisions: list[float] = []
    recalls: list[float] = []
    for position, (confidence, image, detection) in enumerate(ranked):
        kept[image].append((detection[1], detection[2], detection[3]))
        pairs = match_circles(images[image][0], kept[image])
        matched[image] = sum(iou > iou_threshold for _, _, iou in pairs)
        is_last_of_tie = position + 1 == len(ranked) or ranked[position + 1][0] != confidence
        if is_last_of_tie:
            n_kept = position + 1
            precisions.append(matched.sum() / n_kept)
            recalls.append(matched.sum() / n_true if n_true else 1.0)
    return np.asarray(precisions, dtype=float), np.asarray(recalls, dtype=float)


class DetectionAveragePrecision(DetectionScoreType):
    """Average precision over confidence cut-offs (all-point interpolation, as PASCAL VOC).

    ``AP = sum_k (recall_k - recall_{k-1}) * max_{j >= k} precision_j``, cut-offs in
    decreasing confidence, ``recall_0 = 0``. A detection counts as found when its
    Hungarian match has IoU above ``iou_threshold``. ``conf_threshold`` is not used:
    the curve sweeps all confidences. No detection gives 0 (or 1 with nothing to find).

    Examples
    --------
    >>> ap = DetectionAveragePrecision(margin=0)
    >>> truth = [[(10, 10, 5), (40, 40, 5)]]
    >>> ap(truth, [[(0.9, 10, 10, 5), (0.8, 70, 70, 5), (0.7, 40, 40, 5)]])
    0.8333333333333333
    """

    def __init__(
        self,
        *,
        name: str = "ap",
        precision: int = 3,
        iou_threshold: float = 0.5,
        margin: int = MARGIN,
    ) -> None:
        super().__init__(name=name, precision=precision, margin=margin, conf_threshold=0.0)
        self.iou_threshold = iou_threshold

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        images = [
            (truths, [(d[0], *circles_of([d])[0]) for d in detections])
            for truths, detections in self.images(y_true, y_pred, use_threshold=False)
        ]
        precisions, recalls = precision_recall_curve(images, iou_threshold=self.iou_threshold)
        if len(precisions) == 0:
            return 1.0 if sum(len(t) for t, _ in images) == 0 else 0.0
        envelope = np.maximum.accumulate(precisions[::-1])[::-1]
        recall_steps = np.diff(np.concatenate([[0.0], recalls]))
        return float(np.sum(recall_steps * envelope))
