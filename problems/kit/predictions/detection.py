"""Detection predictions: per image, a list of circles with a confidence.

``y_pred`` is a 1-D object array with one entry per image: a list of
``(confidence, row, col, radius)`` tuples for a model's output, of
``(row, col, radius)`` tuples for the ground truth, or ``None`` for an image that no
model predicted (the detection counterpart of a NaN row).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from ..score_types.detection.geometry import Detection, as_circles, as_detections, circle_iou


def _object_array(items: Sequence[Any]) -> NDArray[Any]:
    # Built element by element: np.array would turn equal-length lists into a 3-D array.
    array = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        array[i] = item
    return array


class DetectionPredictions:
    """Circles found in each image, with confidences; combined by matching circles.

    Parameters
    ----------
    y_pred : sequence, optional
        Per image, a list of ``(confidence, row, col, radius)``.
    y_true : sequence, optional
        Per image, a list of true ``(row, col, radius)``.
    n_samples : int, optional
        Builds an empty container (every image ``None``).
    fold_is : array-like of int, optional
        Keep only these images.

    Examples
    --------
    >>> a = DetectionPredictions(y_pred=[[(0.8, 10, 10, 5)], []])
    >>> b = DetectionPredictions(y_pred=[[(0.6, 10, 12, 5)], []])
    >>> DetectionPredictions.combine([a, b]).y_pred[0]
    [(0.7, 10.0, 11.0, 5.0)]
    >>> DetectionPredictions.combine([a, DetectionPredictions(y_pred=[[], []])]).y_pred[0]
    [(0.4, 10.0, 10.0, 5.0)]
    """

    iou_threshold: float = 0.5
    """Circles of two members with an IoU above this are taken to be the same crater."""

    y_pred: NDArray[Any]

    def __init__(
        self,
        y_pred: Any = None,
        y_true: Any = None,
        n_samples: int | None = None,
        fold_is: Any = None,
    ) -> None:
        rows: list[Any]
        if y_pred is not None:
            rows = [None if item is None else as_detections(item) for item in y_pred]
        elif y_true is not None:
            rows = [None if item is None else as_circles(item) for item in y_true]
        elif n_samples is not None:
            rows = [None] * n_samples
        else:
            raise ValueError("Predictions need one of y_pred, y_true or n_samples.")
        array = _object_array(rows)
        self.y_pred = _object_array(list(array[fold_is])) if fold_is is not None else array
        self._check_values()

    def _check_values(self) -> None:
        for image in self.y_pred:
            for circle in image or []:
                if not all(math.isfinite(value) for value in circle):
                    raise ValueError(f"Detections must be finite numbers, got {circle}.")
                if circle[-1] < 0:
                    raise ValueError(f"A radius cannot be negative, got {circle}.")

    def __len__(self) -> int:
        return len(self.y_pred)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_images={len(self.y_pred)})"

    @property
    def valid_indexes(self) -> NDArray[np.bool_]:
        """Boolean mask of the images that hold a prediction (not ``None``)."""
        return np.array([image is not None for image in self.y_pred], dtype=bool)

    def set_valid_in_train(self, predictions: DetectionPredictions, test_is: Any) -> None:
        """Write ``predictions`` into the images ``test_is`` of this container."""
        for position, image in zip(np.arange(len(self.y_pred))[test_is], predictions.y_pred):
            self.y_pred[position] = image

    def set_slice(self, valid_indexes: Any) -> None:
        """Keep only the images selected by ``valid_indexes``."""
        self.y_pred = _object_array(list(self.y_pred[valid_indexes]))

    @classmethod
    def combine(
        cls, predictions_list: Sequence[DetectionPredictions], index_list: Any = None
    ) -> Self:
        """Merge members' detections image by image.

        A circle found by several members is averaged (confidence, centre, radius);
        its confidence is then scaled by the share of members that found it, so a
        crater seen by one member in four keeps a quarter of its confidence.
        Members that left an image ``None`` do not vote on it.

        Parameters
        ----------
        predictions_list : sequence of DetectionPredictions
        index_list : sequence of int, optional
            Which members to combine, possibly repeated; all of them by default.
        """
        if index_list is None:
            index_list = range(len(predictions_list))
        members = [predictions_list[i].y_pred for i in index_list]
        n_images = len(members[0]) if members else 0
        combined = []
        for image in range(n_images):
            votes = [member[image] for member in members if member[image] is not None]
            combined.append(_merge(votes, cls.iou_threshold) if votes else None)
        return cls(y_pred=_object_array(combined))


def _merge(votes: list[list[Detection]], iou_threshold: float) -> list[Detection]:
    """Cluster the members' circles by IoU, then average each cluster."""
    clusters: list[list[Detection]] = []
    for detections in votes:
        centres = [_mean(cluster) for cluster in clusters]
        taken: set[int] = set()
        if centres and detections:
            ious = np.array([[circle_iou(c[1:], d[1:]) for d in detections] for c in centres])
            # Hungarian matching: one member's circle joins at most one cluster.
            for i, j in zip(*linear_sum_assignment(ious, maximize=True), strict=True):
                if ious[i, j] > iou_threshold:
                    clusters[i].append(detections[j])
                    taken.add(int(j))
        clusters.extend([d] for j, d in enumerate(detections) if j not in taken)
    merged = []
    for cluster in clusters:
        confidence, row, col, radius = _mean(cluster)
        merged.append((confidence * len(cluster) / len(votes), row, col, radius))
    return sorted(merged, key=lambda d: -d[0])


def _mean(cluster: list[Detection]) -> Detection:
    confidence, row, col, radius = (float(v) for v in np.mean(np.asarray(cluster), axis=0))
    return (confidence, row, col, radius)
