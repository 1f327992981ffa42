"""The object-detection workflow: ``object_detector.py`` defines ``ObjectDetector``.

``fit(X, y)`` receives images (an array ``(n_images, height, width)``) and, per image,
a list of true ``(row, col, radius)``; ``predict(X)`` returns, per image, a list of
``(confidence, row, col, radius)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .single_file import SingleFileWorkflow


class ObjectDetector(SingleFileWorkflow):
    """Train ``ObjectDetector`` from the submission and collect its detections.

    Predictions come back as a 1-D object array of lists of tuples of floats (the
    layout :class:`~problems.kit.predictions.detection.DetectionPredictions` reads),
    whatever sequence types the submission used.

    Parameters
    ----------
    element_name : str
        The submission file, without ``.py``.

    Examples
    --------
    >>> ObjectDetector().element_names
    ['object_detector']
    """

    model_class = "ObjectDetector"

    def __init__(self, *, element_name: str = "object_detector") -> None:
        super().__init__(element_name=element_name)

    def test_submission(self, trained_model: Any, X: Any) -> NDArray[Any]:
        detections = trained_model.predict(X)
        if len(detections) != len(X):
            raise ValueError(
                f"ObjectDetector.predict returned {len(detections)} lists for {len(X)} images."
            )
        array = np.empty(len(detections), dtype=object)
        for i, image in enumerate(detections):
            array[i] = [tuple(float(value) for value in detection) for detection in image]
        return array
