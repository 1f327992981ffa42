"""Circle geometry for crater detection: exact intersection over union, matching.

Circles are ``(row, col, radius)`` in pixels. Intersection areas use the closed form
for two discs (no rasterising, no sampling), so scores do not depend on a grid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

Circle = tuple[float, float, float]
Detection = tuple[float, float, float, float]

PATCH_SIZE = 224
"""Side of a Mars craters image patch, in pixels."""

MARGIN = 56
"""Pixels ignored along each border when scoring (as in the original RAMP kit).

Craters cut by the patch border are hard to label and appear whole in the
neighbouring, overlapping patch; only craters whose centre lies in the inner
``[56, 168) x [56, 168)`` square count, for the truth and for the predictions alike.
"""


def circle_intersection_area(a: Circle, b: Circle) -> float:
    """Exact area shared by two discs ``(row, col, radius)``.

    Examples
    --------
    >>> round(circle_intersection_area((0, 0, 2), (0, 0, 1)), 6)  # inner disc
    3.141593
    >>> circle_intersection_area((0, 0, 1), (0, 3, 1))
    0.0
    """
    r1, r2 = float(a[2]), float(b[2])
    d = float(np.hypot(a[0] - b[0], a[1] - b[1]))
    if r1 <= 0 or r2 <= 0 or d >= r1 + r2:
        return 0.0
    if d <= abs(r1 - r2):
        return float(np.pi * min(r1, r2) ** 2)
    # Lens area: two circular sectors minus the kite formed by the centres and the
    # two intersection points (Heron's formula for the kite's triangles).
    angle1 = np.arccos(np.clip((d * d + r1 * r1 - r2 * r2) / (2 * d * r1), -1.0, 1.0))
    angle2 = np.arccos(np.clip((d * d + r2 * r2 - r1 * r1) / (2 * d * r2), -1.0, 1.0))
    kite = 0.5 * np.sqrt(max((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2), 0.0))
    return float(r1 * r1 * angle1 + r2 * r2 * angle2 - kite)


def circle_iou(a: Circle, b: Circle) -> float:
    """Intersection over union of two discs, in [0, 1].

    Examples
    --------
    >>> circle_iou((5, 5, 2), (5, 5, 1))  # concentric: area ratio
    0.25
    """
    intersection = circle_intersection_area(a, b)
    union = np.pi * (float(a[2]) ** 2 + float(b[2]) ** 2) - intersection
    return float(intersection / union) if union > 0 else 0.0


def iou_matrix(truths: Sequence[Circle], predicted: Sequence[Circle]) -> NDArray[np.float64]:
    """IoU of every true circle (rows) with every predicted circle (columns)."""
    matrix = np.zeros((len(truths), len(predicted)))
    for i, truth in enumerate(truths):
        for j, circle in enumerate(predicted):
            matrix[i, j] = circle_iou(truth, circle)
    return matrix


def match_circles(
    truths: Sequence[Circle], predicted: Sequence[Circle]
) -> list[tuple[int, int, float]]:
    """Hungarian matching maximising the total IoU: ``(truth, prediction, iou)`` pairs.

    Every pair of the optimal assignment is returned, including zero-IoU ones; callers
    keep the pairs above their IoU threshold.

    Examples
    --------
    >>> [(t, p) for t, p, _ in match_circles([(0, 0, 2), (9, 9, 2)], [(9, 9, 2), (0, 1, 2)])]
    [(0, 1), (1, 0)]
    """
    if not truths or not predicted:
        return []
    ious = iou_matrix(truths, predicted)
    rows, cols = linear_sum_assignment(ious, maximize=True)
    return [(int(i), int(j), float(ious[i, j])) for i, j in zip(rows, cols, strict=True)]


def in_inner_patch(row: float, col: float, *, margin: int = MARGIN, size: int = PATCH_SIZE) -> bool:
    """Whether a centre lies in the scored inner square of a patch."""
    return margin <= row < size - margin and margin <= col < size - margin


def as_circles(items: Sequence[Sequence[float]] | None) -> list[Circle]:
    """True craters ``(row, col, radius)`` as tuples of floats (``None`` is no crater)."""
    return [(float(r), float(c), float(rad)) for r, c, rad in items or []]


def as_detections(items: Sequence[Sequence[float]] | None) -> list[Detection]:
    """Predictions ``(confidence, row, col, radius)`` as tuples of floats."""
    return [(float(p), float(r), float(c), float(rad)) for p, r, c, rad in items or []]
