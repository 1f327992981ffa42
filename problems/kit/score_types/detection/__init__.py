"""Object-detection score types for circles (Mars craters): exact IoU, Hungarian matching.

Every score reads, per image, the true craters ``(row, col, radius)`` and the detections
``(confidence, row, col, radius)``, and scores only the inner part of each patch (see
:data:`~problems.kit.score_types.detection.geometry.MARGIN`).
"""

from .average_precision import DetectionAveragePrecision
from .base import DetectionScoreType
from .deviation import MADCenter, MADRadius
from .geometry import MARGIN, circle_intersection_area, circle_iou, match_circles
from .ospa import OSPA
from .precision_recall import DetectionPrecision, DetectionRecall
from .scp import SCP

__all__ = [
    "MARGIN",
    "OSPA",
    "SCP",
    "DetectionAveragePrecision",
    "DetectionPrecision",
    "DetectionRecall",
    "DetectionScoreType",
    "MADCenter",
    "MADRadius",
    "circle_intersection_area",
    "circle_iou",
    "match_circles",
]
