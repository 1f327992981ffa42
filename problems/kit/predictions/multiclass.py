"""Multiclass predictions: one probability column per label name."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from .base import BasePredictions, nan_mean

# Probabilities are clipped before combining so that a member predicting an exact 0
# or 1 cannot dominate the average (and all-zero rows can still be normalised).
_EPSILON = 1e-15


class Multiclass(BasePredictions):
    """Class probabilities over ``label_names``; ground truth is one-hot.

    Subclass it in ``problem.py`` and name the labels:

    Examples
    --------
    >>> from problems.kit.predictions import Multiclass
    >>> class Predictions(Multiclass):
    ...     label_names = ("cat", "dog")
    >>> truth = Predictions(y_true=["dog", "cat"])
    >>> truth.y_pred.tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    >>> Predictions(y_pred=[[0.2, 0.8], [0.9, 0.1]]).y_pred_label_index.tolist()
    [1, 0]
    """

    label_names: ClassVar[tuple[Any, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.label_names = tuple(cls.label_names)
        cls.n_columns = len(cls.label_names)

    def _from_truth(self, y_true: NDArray[Any]) -> NDArray[Any]:
        if not self.label_names:
            raise TypeError(f"{type(self).__name__} has no label_names.")
        # Labels read from a CSV may be str while label_names are int (or the reverse).
        label_type = type(self.label_names[0])
        positions = {label: i for i, label in enumerate(self.label_names)}
        one_hot = np.zeros((len(y_true), len(self.label_names)))
        for row, label in zip(one_hot, y_true):
            labels = label if isinstance(label, (list, np.ndarray)) else [label]
            for each in labels:
                try:
                    row[positions[label_type(each)]] = 1.0 / len(labels)
                except (KeyError, ValueError) as error:
                    raise ValueError(
                        f"Label {str(each)!r} is not one of {list(self.label_names)}."
                    ) from error
        return one_hot

    @property
    def y_pred_label_index(self) -> NDArray[np.intp]:
        """Index of the most probable label of each row."""
        return np.asarray(np.argmax(self.y_pred, axis=1), dtype=np.intp)

    @property
    def y_pred_label(self) -> NDArray[Any]:
        """The most probable label of each row."""
        return np.asarray(self.label_names)[self.y_pred_label_index]

    @classmethod
    def _combine_arrays(cls, stacked: NDArray[np.float64]) -> NDArray[np.float64]:
        clipped = np.clip(stacked, _EPSILON, 1 - _EPSILON)
        normalised = clipped / np.sum(clipped, axis=2, keepdims=True)
        return nan_mean(normalised)
