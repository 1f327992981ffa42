"""One fold's blend members, stored densely for vectorised screening.

A member is a submission's valid predictions as ``combine`` averages them (clipped and
renormalised for multiclass). When the official score reads one column (the true
label's probability for NLL, the positive one for ROC AUC and Brier), only that column
is stacked: half the memory for binary problems, and the screening reads contiguous
rows. The full member is then rebuilt from the raw predictions, on demand, for the few
candidates scored exactly and the members actually added to an ensemble.
"""

from __future__ import annotations

import math
import mmap
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .prediction_kinds import (
    MULTICLASS,
    CombineKind,
    normalise_binary_column,
    write_binary_column,
)

# Stacks of fewer members keep no float32 copy (see MemberStack.reserve).
_MIRROR_MIN_MEMBERS = 32


class MemberStack:
    """Appendable ``(n_members, n_rows[, n_columns])`` stack, or just one column of it.

    Parameters
    ----------
    combine : CombineKind
        How the kit combines predictions.
    dtype : numpy dtype
        The dtype ``combine`` computes in.
    row_shape : tuple of int
        ``(n_rows,)`` or ``(n_rows, n_columns)``.
    column : {"true", "positive"} or None
        Keep only this column (see :attr:`FastMetric.column`); None keeps everything.
    truth_index : array of int, optional
        The true label per row (for ``column="true"``).
    load_raw : callable
        ``load_raw(i)`` returns member ``i``'s raw valid predictions again.
    mirror_float32 : bool
        Also keep a float32 copy of the stored column (:attr:`stored32`), for
        screening at half the memory traffic, once the stack has 32 members (before,
        the first writes to its pages cost more than the screening saves).
    """

    def __init__(
        self,
        *,
        combine: CombineKind,
        dtype: np.dtype[Any],
        row_shape: tuple[int, ...],
        column: str | None,
        truth_index: NDArray[np.intp] | None,
        load_raw: Callable[[int], NDArray[Any]],
        mirror_float32: bool = False,
    ) -> None:
        self.combine = combine
        self.dtype = dtype
        self.row_shape = row_shape
        self.column = column
        self.truth_index = truth_index
        self.load_raw = load_raw
        self.n_members = 0
        self._data: NDArray[Any] | None = None
        self._data32: NDArray[np.float32] | None = None
        self.mirror_float32 = mirror_float32 and column is not None
        self._rebuilt: dict[int, NDArray[Any]] = {}
        self._flat: NDArray[np.intp] | None = None
        self._flat_other_index: NDArray[np.intp] | None = None

    @property
    def stored(self) -> NDArray[Any]:
        """What is stacked: the focus column ``(n, n_rows)`` or the full members."""
        assert self._data is not None
        return self._data[: self.n_members]

    @property
    def stored32(self) -> NDArray[np.float32] | None:
        """The float32 copy of :attr:`stored`, when kept."""
        return None if self._data32 is None else self._data32[: self.n_members]

    def column_of(self, arrays: NDArray[Any], out: NDArray[Any] | None = None) -> NDArray[Any]:
        """The focus column of members or of a sum, shaped ``(..., n_rows)``.

        Written into ``out`` when given: large temporaries get fresh pages from the
        kernel every time, which costs more than the copy itself.
        """
        if out is None:
            out = np.empty(arrays.shape[:-1], dtype=arrays.dtype)
        if self.column == "positive":
            np.copyto(out, arrays[..., 1])
            return out
        rows = np.ascontiguousarray(arrays).reshape(*arrays.shape[:-2], -1)
        # The indices are in range; "clip" skips the copy that "raise" makes of out.
        return np.take(rows, self._flat_column(), axis=-1, out=out, mode="clip")

    def reserve(self, extra: int) -> None:
        """Make room for ``extra`` more members (one allocation, with headroom).

        Headroom means submissions arriving one by one rarely copy the stack; pages
        of ``np.empty`` that are never written cost no memory.
        """
        needed = self.n_members + extra
        current = len(self._data) if self._data is not None else 0
        shape = self.row_shape[:1] if self.column is not None else self.row_shape
        if needed > current:
            capacity = max(needed + needed // 8, current + current // 4, 8)
            grown = allocate((capacity, *shape), self.dtype)
            if self._data is not None:
                grown[: self.n_members] = self.stored
            self._data = grown
        # A float32 copy pays for its memory only when many candidates are screened.
        if self.mirror_float32 and needed >= _MIRROR_MIN_MEMBERS:
            assert self._data is not None
            if self._data32 is None or len(self._data32) < len(self._data):
                grown32 = allocate((len(self._data), *shape), np.dtype(np.float32))
                kept = self.stored if self._data32 is None else self._data32
                grown32[: self.n_members] = kept[: self.n_members]
                self._data32 = grown32

    def append(self, raw: NDArray[Any]) -> None:
        """Append members from raw predictions already cast to :attr:`dtype`.

        ``raw`` may be normalised in place. Raises ``ValueError`` on non-finite values
        (``nanmean`` would skip them, the running sum cannot).
        """
        self.reserve(len(raw))
        assert self._data is not None
        rows = self._data[self.n_members : self.n_members + len(raw)]
        if self.writes_column_only:
            # A NaN anywhere in a row reaches its column through the row sum.
            write_binary_column(raw, self._flat_column(), out=rows)
            normalised = rows
        else:
            self.combine.write_members(raw, raw)
            normalised = raw
        if not (np.isfinite(normalised.min()) and np.isfinite(normalised.max())):
            raise ValueError("non-finite valid predictions have no fast path")
        if self.column is not None and normalised is raw:
            self.column_of(raw, out=rows)
        elif self.column is None:
            rows[...] = raw
        if self._data32 is not None:
            self._data32[self.n_members : self.n_members + len(raw)] = rows
        self.n_members += len(raw)

    def gather_binary(
        self, blocks: Sequence[NDArray[Any]], other: NDArray[Any], *, sums: bool = False
    ) -> NDArray[Any]:
        """The stack's next rows, holding the raw focus column of each two-column block.

        ``blocks`` are raw members ``(n_rows, 2)`` in :attr:`dtype`, C-contiguous; their
        other column goes to ``other`` (one row per block), or with ``sums`` their row
        sums. The rows become members only through :meth:`append_binary`. Gathering
        straight from the blocks reads each once, with no stacked copy of the members.
        """
        self.reserve(len(blocks))
        assert self._data is not None
        rows = self._data[self.n_members : self.n_members + len(blocks)]
        flat, flat_other = self._flat_column(), self._flat_other()
        for row, other_row, block in zip(rows, other, blocks):
            values = block.reshape(-1)
            # The indices are in range; "clip" skips the copy that "raise" makes of out.
            np.take(values, flat, out=row, mode="clip")
            if sums:
                np.add(block[:, 0], block[:, 1], out=other_row)
            else:
                np.take(values, flat_other, out=other_row, mode="clip")
        return rows

    def append_binary(
        self, rows: NDArray[Any], other: NDArray[Any], *, raw_finite: bool, sums: bool = False
    ) -> None:
        """Make the rows of :meth:`gather_binary` members (``other`` is overwritten).

        ``raw_finite``: whether every raw value is known finite, in which case the
        normalised ones are (the clipped row sums are positive), and are not checked.
        ``sums``: ``other`` holds the row sums, and clipping is known to change nothing
        (see :meth:`CombineKind.clips_nothing`), so normalising is one division.
        Raises ``ValueError`` on non-finite values, as :meth:`append`.
        """
        if sums:
            np.divide(rows, other, out=rows)
        else:
            normalise_binary_column(rows, other)
        if not raw_finite and not (np.isfinite(rows.min()) and np.isfinite(rows.max())):
            raise ValueError("non-finite valid predictions have no fast path")
        if self._data32 is not None:
            self._data32[self.n_members : self.n_members + len(rows)] = rows
        self.n_members += len(rows)

    @property
    def writes_column_only(self) -> bool:
        """Whether :meth:`append` reads ``raw`` without normalising it in place."""
        return (
            self.column is not None and self.combine.kind == MULTICLASS and self.row_shape[-1] == 2
        )

    def _flat_column(self) -> NDArray[np.intp]:
        """Index of the focus column's value in each row of a flattened member."""
        if self._flat is None:
            n_rows, n_columns = self.row_shape
            chosen = self.truth_index if self.column == "true" else 1
            assert chosen is not None
            self._flat = np.arange(n_rows) * n_columns + chosen
        return self._flat

    def _flat_other(self) -> NDArray[np.intp]:
        """Index of the other column's value in each row of a flattened two-column member."""
        if self._flat_other_index is None:
            self._flat_other_index = self._flat_column() ^ 1
        return self._flat_other_index

    def member(self, index: int) -> NDArray[Any]:
        """Member ``index`` in full, as ``combine`` averages it."""
        if self.column is None:
            member: NDArray[Any] = self.stored[index]
            return member
        if index not in self._rebuilt:
            self._rebuilt[index] = self.combine.member(self.load_raw(index), self.dtype)
        return self._rebuilt[index]


def allocate(shape: tuple[int, ...], dtype: np.dtype[Any]) -> NDArray[Any]:
    """An uninitialised array whose pages the kernel maps in one go (Linux).

    Faulting the pages of a multi-gigabyte stack in one by one, as the first writes
    would, costs about three times as long as ``MAP_POPULATE``.
    """
    size = math.prod(shape) * dtype.itemsize
    populate = getattr(mmap, "MAP_POPULATE", 0)
    if not populate or size < 2**24:
        return np.empty(shape, dtype=dtype)
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate
    buffer = mmap.mmap(-1, size, flags=flags)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


class Scratch:
    """Work buffers shared by the folds that a thread processes, one set per thread.

    The folds of a blend have the same rows. A fresh buffer costs a page fault per
    4 KiB on first use, which at blending sizes is as much as the arithmetic done in
    it: sharing the buffers across folds pays that once per thread, not per fold.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, name: str, shape: tuple[int, ...], dtype: Any) -> NDArray[Any]:
        """A ``shape`` buffer (the leading rows of one kept for ``name``), uninitialised."""
        buffers: dict[tuple[Any, ...], NDArray[Any]] = self._local.__dict__.setdefault(
            "buffers", {}
        )
        key = (name, np.dtype(dtype), shape[1:])
        buffer = buffers.get(key)
        if buffer is None or len(buffer) < shape[0]:
            buffer = buffers[key] = allocate(shape, np.dtype(dtype))
        return buffer[: shape[0]]


class EnsembleSum:
    """The sum of an ensemble's whole members, in the order they were added, on demand.

    Exact scoring needs it, which is rare: it is built from the nearest ensemble before
    this one that built it, and kept for the ensembles after. Members are added in
    ensemble order, as ``combine``'s mean adds them.
    """

    def __init__(
        self, stack: MemberStack, members: tuple[int, ...], parent: EnsembleSum | None = None
    ) -> None:
        self.stack = stack
        self.members = members
        self.parent = parent
        self._full: NDArray[Any] | None = None

    @property
    def size(self) -> int:
        return len(self.members)

    def plus(self, index: int) -> EnsembleSum:
        """This ensemble with member ``index`` added (this one is left as it is)."""
        return EnsembleSum(self.stack, (*self.members, index), self)

    def full(self) -> NDArray[Any]:
        """The sum of the whole members."""
        missing: list[EnsembleSum] = []
        node: EnsembleSum | None = self
        while node is not None and node._full is None:
            missing.append(node)
            node = node.parent
        total = None if node is None else node._full
        for node in reversed(missing):
            member = self.stack.member(node.members[-1])
            total = member.copy() if total is None else total + member
            node._full = total
        assert self._full is not None
        return self._full
