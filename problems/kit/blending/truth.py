"""The blend's ground truth: the library's ``Predictions(y_true=...)``, built in array ops.

Both prediction-type libraries encode labels row by row in Python, which takes longer
than a whole blend at 80,000 rows. For multiclass types the one-hot array is built here
instead, and the label index of each row, which the fast metrics read, comes with it.
A fold's truth ``Predictions`` (the rows of the training truth) is built only when
something scores with it: the fast path rarely does.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .prediction_kinds import MULTICLASS, CombineKind

# Integer labels spanning at most this many values are counted rather than sorted.
_COUNTED_RANGE = 2**16


class Truths:
    """The training truth, each fold's truth (built on first use) and the labels' indexes.

    Parameters
    ----------
    Predictions : Predictions class
        The kit's prediction type.
    combine : CombineKind or None
        How it combines (None: a type the blender does not know).
    y_train : array-like
        The training labels.
    valid_indices : sequence of arrays of int
        Each fold's valid rows.
    """

    def __init__(
        self,
        *,
        Predictions: Any,
        combine: CombineKind | None,
        y_train: Any,
        valid_indices: Sequence[NDArray[Any]],
    ) -> None:
        self.Predictions = Predictions
        self.combine = combine
        self.y_train = y_train
        self.valid_indices = valid_indices
        self.train, self._label_index = build_truth(Predictions, combine, y_train)
        self._folds: list[Any] = [None] * len(valid_indices)

    def fold(self, fold: int) -> Any:
        """Fold ``fold``'s ground truth ``Predictions``."""
        if self._folds[fold] is None:
            self._folds[fold] = self._fold_truth(self.valid_indices[fold])
        return self._folds[fold]

    def _fold_truth(self, valid_is: NDArray[Any]) -> Any:
        if self.combine is None:  # unknown type: build it the way ramp-workflow does
            return self.Predictions(y_true=self.y_train, fold_is=valid_is)
        # Numeric types: the rows of the full truth (building it row by row is slow).
        truth = copy.deepcopy(self.train)
        truth.set_slice(valid_is)
        return truth

    def fold_label_index(self, fold: int) -> NDArray[np.intp] | None:
        """The index of each fold row's label, when the truth was one-hot encoded here."""
        if self._label_index is None:
            return None
        fold_index: NDArray[np.intp] = self._label_index[self.valid_indices[fold]]
        return fold_index


def build_truth(
    Predictions: Any, combine: CombineKind | None, y: Any
) -> tuple[Any, NDArray[np.intp] | None]:
    """``Predictions(y_true=y)``, and each row's label index when encoded here.

    The encoding is the libraries' array: labels converted to the type of
    ``label_names[0]``, then looked up in ``label_names``.
    """
    values = np.asarray(y)
    if combine is None or combine.kind != MULTICLASS or values.ndim != 1:
        return Predictions(y_true=y), None
    label_names = list(Predictions.label_names)
    label_type = type(label_names[0])
    try:
        uniques, inverse = _unique_inverse(values)
        positions = np.array([label_names.index(label_type(u)) for u in uniques], dtype=np.intp)
    except (TypeError, ValueError):  # unorderable or unknown labels: the library says
        return Predictions(y_true=y), None
    label_index = positions[inverse] if len(values) else np.zeros(0, dtype=np.intp)
    one_hot = np.zeros((len(values), len(label_names)))
    one_hot[np.arange(len(values)), label_index] = 1.0
    return Predictions(y_pred=one_hot), label_index


def _unique_inverse(values: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """``np.unique(values, return_inverse=True)``; small-range integers are counted.

    Counting is linear where sorting is not: a few times faster at 80,000 labels.
    """
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < _COUNTED_RANGE:
            shifted = values.astype(np.intp) - low
            present = np.flatnonzero(np.bincount(shifted, minlength=high - low + 1))
            rank = np.zeros(high - low + 1, dtype=np.intp)
            rank[present] = np.arange(len(present))
            return (present + low).astype(values.dtype), rank[shifted]
    uniques, inverse = np.unique(values, return_inverse=True)
    return uniques, np.asarray(inverse, dtype=np.intp).reshape(-1)
