"""Shared behaviour of prediction types: NaN-aware slicing and combining.

A ``Predictions`` instance wraps one array, ``y_pred``, whose rows are samples. The
same class holds a model's output and the ground truth (converted to the same
layout), so score types always compare like with like. An *empty* instance is all
NaN; rows a model did not predict stay NaN and are left out by ``valid_indexes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray


def nan_mean(stacked: NDArray[np.float64]) -> NDArray[np.float64]:
    """``np.nanmean(stacked, axis=0)``, to the bit, without its warning on all-NaN rows.

    A row no member predicted legitimately stays NaN. Silencing ``np.nanmean`` with
    ``warnings.catch_warnings`` is not thread-safe (bagging points are computed in
    threads, and another thread's warnings would leak), while ``np.errstate`` is.
    """
    present = ~np.isnan(stacked)
    totals = np.sum(np.where(present, stacked, 0.0), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(totals / np.sum(present, axis=0, dtype=np.intp))


class BasePredictions:
    """Base class of the numeric prediction types.

    Subclasses set ``n_columns`` (0 for a 1-D ``y_pred``) and may override
    ``_from_truth`` and ``_combine_arrays``.

    Parameters
    ----------
    y_pred : array-like, optional
        A model's predictions, one row per sample.
    y_true : array-like, optional
        The ground truth, converted to the prediction layout.
    n_samples : int, optional
        Builds an empty (all-NaN) container of that many rows.
    fold_is : array-like of int, optional
        Keep only these rows of ``y_pred`` or ``y_true``.
    """

    n_columns: ClassVar[int] = 0
    label_names: ClassVar[Sequence[Any]] = ()

    y_pred: NDArray[Any]

    def __init__(
        self,
        y_pred: Any = None,
        y_true: Any = None,
        n_samples: int | None = None,
        fold_is: Any = None,
    ) -> None:
        if y_pred is not None:
            values = np.asarray(y_pred)
            self.y_pred = np.array(values[fold_is] if fold_is is not None else values)
        elif y_true is not None:
            values = np.asarray(y_true)
            self.y_pred = self._from_truth(values[fold_is] if fold_is is not None else values)
        elif n_samples is not None:
            shape = (n_samples,) if self.n_columns == 0 else (n_samples, self.n_columns)
            self.y_pred = np.full(shape, np.nan)
        else:
            raise ValueError("Predictions need one of y_pred, y_true or n_samples.")
        self.check_y_pred_dimensions()

    def _from_truth(self, y_true: NDArray[Any]) -> NDArray[Any]:
        return np.array(y_true)

    def __len__(self) -> int:
        return len(self.y_pred)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(y_pred.shape={self.y_pred.shape})"

    @property
    def valid_indexes(self) -> NDArray[np.bool_]:
        """Boolean mask of the rows that hold a prediction (not NaN)."""
        first_column = self.y_pred if self.y_pred.ndim == 1 else self.y_pred[:, 0]
        return np.asarray(~np.isnan(first_column), dtype=bool)

    def set_valid_in_train(self, predictions: BasePredictions, test_is: Any) -> None:
        """Write ``predictions`` into the rows ``test_is`` of this container."""
        self.y_pred[test_is] = predictions.y_pred

    def set_slice(self, valid_indexes: Any) -> None:
        """Keep only the rows selected by ``valid_indexes``."""
        self.y_pred = self.y_pred[valid_indexes]

    def check_y_pred_dimensions(self) -> None:
        """Raise ``ValueError`` when ``y_pred`` does not have this type's shape."""
        if self.n_columns == 0 and self.y_pred.ndim != 1:
            raise ValueError(
                f"Wrong y_pred dimensions: expected a 1-D array, got shape {self.y_pred.shape}."
            )
        if self.n_columns > 0 and (self.y_pred.ndim != 2 or self.y_pred.shape[1] != self.n_columns):
            raise ValueError(
                f"Wrong y_pred dimensions: expected shape (n_samples, {self.n_columns}), "
                f"got {self.y_pred.shape}."
            )

    @classmethod
    def _combine_arrays(cls, stacked: NDArray[np.float64]) -> NDArray[np.float64]:
        """Average member predictions, ignoring the rows a member left NaN."""
        return nan_mean(stacked)

    @classmethod
    def combine(cls, predictions_list: Sequence[BasePredictions], index_list: Any = None) -> Self:
        """Combine members (with repetition, through ``index_list``) into one.

        Used to bag a submission's fold models and to blend submissions.

        Parameters
        ----------
        predictions_list : sequence of Predictions
            Members of identical shape.
        index_list : sequence of int, optional
            Which members to combine, possibly repeated; all of them by default.
        """
        if index_list is None:
            index_list = range(len(predictions_list))
        stacked = np.array([predictions_list[i].y_pred for i in index_list], dtype=float)
        return cls(y_pred=cls._combine_arrays(stacked))
