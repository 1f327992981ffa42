"""Detection precision and recall at an IoU threshold, after Hungarian matching."""

from __future__ import annotations

from typing import Any

from .base import DetectionScoreType, circles_of
from .geometry import MARGIN, match_circles


class _MatchCounting(DetectionScoreType):
    def __init__(
        self,
        *,
        name: str,
        precision: int = 2,
        iou_threshold: float = 0.5,
        margin: int = MARGIN,
        conf_threshold: float = 0.5,
    ) -> None:
        super().__init__(
            name=name, precision=precision, margin=margin, conf_threshold=conf_threshold
        )
        self.iou_threshold = iou_threshold

    def counts(self, y_true: Any, y_pred: Any) -> tuple[int, int, int]:
        """Matched pairs, true craters and detections, summed over the images."""
        n_matched = n_true = n_pred = 0
        for truths, detections in self.images(y_true, y_pred):
            pairs = match_circles(truths, circles_of(detections))
            # Strictly above: at threshold 0, touching circles do not count as found.
            n_matched += sum(iou > self.iou_threshold for _, _, iou in pairs)
            n_true += len(truths)
            n_pred += len(detections)
        return n_matched, n_true, n_pred


class DetectionPrecision(_MatchCounting):
    """Share of detections matched to a true crater with IoU above ``iou_threshold``.

    With no detection at all, precision is 1 when there was nothing to find, else 0.

    Examples
    --------
    >>> score = DetectionPrecision(iou_threshold=0.5, margin=0)
    >>> score([[(10, 10, 5)]], [[(0.9, 10, 11, 5), (0.8, 40, 40, 5)]])
    0.5
    """

    def __init__(self, *, name: str = "precision", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        n_matched, n_true, n_pred = self.counts(y_true, y_pred)
        if n_pred == 0:
            return 1.0 if n_true == 0 else 0.0
        return n_matched / n_pred


class DetectionRecall(_MatchCounting):
    """Share of true craters matched to a detection with IoU above ``iou_threshold``.

    With no true crater, recall is 1.

    Examples
    --------
    >>> score = DetectionRecall(iou_threshold=0.5, margin=0)
    >>> score([[(10, 10, 5), (40, 40, 5)]], [[(0.9, 10, 11, 5)]])
    0.5
    """

    def __init__(self, *, name: str = "recall", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        n_matched, n_true, _ = self.counts(y_true, y_pred)
        return 1.0 if n_true == 0 else n_matched / n_true
