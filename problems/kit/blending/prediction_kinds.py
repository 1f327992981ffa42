"""Recognise prediction types whose ``combine`` is a (transformed) mean.

For those the blender keeps a running sum of the members instead of recombining:
``Predictions.combine`` stacks the members and takes ``nanmean`` over them, and numpy
reduces the stacked axis in order, so ``(sum + P_i) / (k + 1)`` with the sum built in
the same member order is bit-for-bit the generic combination (tests check it). Any
other ``combine`` (detection, clustering, a kit's own override) goes the generic way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..predictions import BasePredictions, Multiclass, Regression

_EPSILON = 1e-15

MULTICLASS = "multiclass"
"""Members are clipped to [1e-15, 1 - 1e-15] and rows renormalised, then averaged."""
MEAN = "mean"
"""Members are averaged as they are."""


@dataclass(frozen=True)
class CombineKind:
    """How a ``Predictions`` type combines, and in which dtype it computes."""

    kind: str
    n_columns: int
    forces_float64: bool

    def compute_dtype(self, raw: NDArray[Any]) -> np.dtype[Any]:
        """The dtype ``combine`` computes in for members shaped like ``raw``."""
        if self.forces_float64 or not np.issubdtype(raw.dtype, np.floating):
            return np.dtype(np.float64)
        return raw.dtype

    def member(self, raw: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
        """One member as ``combine`` sees it just before averaging."""
        out = np.empty(np.shape(raw), dtype=dtype)
        self.write_members(raw, out)
        return out

    def running_mean(self, arrays: Sequence[NDArray[Any]]) -> NDArray[Any] | None:
        """What ``combine`` returns for these raw members, in order, from a running sum.

        None where that would not be the same array: shapes or dtypes that differ, or
        non-finite values (``nanmean`` skips NaN). The same array object repeated is
        prepared once.
        """
        if not arrays or any(a.shape != arrays[0].shape for a in arrays):
            return None
        dtype = self.compute_dtype(arrays[0])
        if any(self.compute_dtype(a) != dtype for a in arrays):
            return None
        members: dict[int, NDArray[Any]] = {}
        total: NDArray[Any] | None = None
        for array in arrays:
            if id(array) not in members:
                members[id(array)] = self.member(array, dtype)
            member = members[id(array)]
            total = member.copy() if total is None else total + member
        mean = np.asarray(total) / len(arrays)
        return mean if np.isfinite(mean).all() else None

    def clips_nothing(self, raw: NDArray[Any]) -> bool:
        """Whether every value of ``raw`` (in the compute dtype) is finite and left as it
        is by the multiclass clipping, which is then the identity."""
        low, high = np.asarray(_EPSILON, raw.dtype), np.asarray(1 - _EPSILON, raw.dtype)
        return self.kind == MULTICLASS and bool(low <= raw.min() and raw.max() <= high)

    def write_members(self, raw: NDArray[Any], out: NDArray[Any]) -> None:
        """:meth:`member` of each row of ``raw``, written into ``out`` (no temporaries)."""
        out[...] = raw  # cast first: combine clips in its own dtype
        if self.kind == MULTICLASS:
            np.clip(out, _EPSILON, 1 - _EPSILON, out=out)
            if out.shape[-1] == 2:
                # np.sum over two elements is their one rounded addition; this is
                # much faster than a reduction along a length-2 axis.
                total = out[..., :1] + out[..., 1:]
                np.divide(out[..., :1], total, out=out[..., :1])
                np.divide(out[..., 1:], total, out=out[..., 1:])
            else:
                np.divide(out, np.sum(out, axis=-1, keepdims=True), out=out)


def write_binary_column(raw: NDArray[Any], flat: NDArray[np.intp], out: NDArray[Any]) -> None:
    """One column of :meth:`CombineKind.write_members` for two-column multiclass members.

    ``raw`` is ``(..., n_rows, 2)`` in the compute dtype; ``flat[i]`` is
    ``2 * i + column`` of the wanted column in row ``i``. The same operations on the
    same values as the full normalisation (a sum of two is commutative), on half the
    data: the column is all a single-column stack keeps.
    """
    rows = raw.reshape(*raw.shape[:-2], -1)
    np.take(rows, flat, axis=-1, out=out, mode="clip")  # in range: "raise" copies out
    normalise_binary_column(out, np.take(rows, flat ^ 1, axis=-1))


def normalise_binary_column(column: NDArray[Any], other: NDArray[Any]) -> None:
    """:func:`write_binary_column` from the two raw columns: ``column`` becomes the result.

    ``column`` and ``other`` hold the wanted and the other column of the same raw rows;
    both are overwritten (``other`` with the row sums).
    """
    np.clip(column, _EPSILON, 1 - _EPSILON, out=column)
    np.clip(other, _EPSILON, 1 - _EPSILON, out=other)
    np.add(column, other, out=other)
    np.divide(column, other, out=column)


def _overrides(cls: type, base: type, name: str) -> bool:
    """Whether a class between ``cls`` and ``base`` redefines ``name``."""
    return any(name in vars(klass) for klass in cls.__mro__[: cls.__mro__.index(base)])


def combine_kind(Predictions: Any) -> CombineKind | None:
    """The :class:`CombineKind` of a kit's ``Predictions`` class, or None.

    Recognises ``problems.kit`` Multiclass/Regression subclasses that do not override
    combining, and ramp-workflow's ``make_multiclass`` / ``make_regression`` classes
    (duck typing on ``label_names`` and ``y_pred_label_index``, and on the module
    that defines ``combine``).
    """
    if not isinstance(Predictions, type):
        return None
    n_columns = int(getattr(Predictions, "n_columns", 0) or 0)
    if issubclass(Predictions, BasePredictions):
        base = Multiclass if issubclass(Predictions, Multiclass) else BasePredictions
        if any(_overrides(Predictions, base, name) for name in ("combine", "_combine_arrays")):
            return None
        if issubclass(Predictions, Multiclass) and n_columns > 0:
            return CombineKind(MULTICLASS, n_columns, forces_float64=True)
        if issubclass(Predictions, Regression):
            return CombineKind(MEAN, n_columns, forces_float64=True)
        return None
    combine = getattr(getattr(Predictions, "combine", None), "__func__", None)
    module = getattr(combine, "__module__", "")
    labels = getattr(Predictions, "label_names", None)
    if module == "rampwf.prediction_types.multiclass" and labels:
        if hasattr(Predictions, "y_pred_label_index") and n_columns == len(labels):
            return CombineKind(MULTICLASS, n_columns, forces_float64=False)
        return None
    if module == "rampwf.prediction_types.base" and Predictions.__name__ == "Regression":
        return CombineKind(MEAN, n_columns, forces_float64=False)
    return None
