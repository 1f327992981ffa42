"""Vectorised screening of one fold's candidate ensembles (see :mod:`.selection`).

Scores are sign-adjusted (lower is better). For NLL with many candidates the screening
runs in two passes: a float32 one over the stack's float32 copy (reading the stack is
what a step costs, so half the bytes is nearly half the time), then the float64 one for
the candidates the first cannot rule out within its float32 tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .fast_metrics import FastMetric
from .member_stack import MemberStack, Scratch

# Bytes of candidate predictions materialised at once while screening: a few
# megabytes stay in cache between the sum, the logarithm and the reduction.
_BLOCK_BYTES = 4 * 2**20
# Fewer candidates than this are screened in float64 at once (the float32 pass and
# the re-screening of its close calls would cost more).
_COARSE_MIN_CANDIDATES = 8

Refine = Callable[[NDArray[np.intp]], None]


class Screening:
    """Screening scores of members and of ``ensemble + member`` for one fold's stack."""

    def __init__(
        self, *, stack: MemberStack, metric: FastMetric, sign: float, scratch: Scratch
    ) -> None:
        self.stack = stack
        self.metric = metric
        self.sign = sign
        self.scratch = scratch

    def members(self, arrays: NDArray[Any]) -> NDArray[np.float64]:
        """Sign-adjusted scores of raw members ``(n, n_rows[, n_columns])`` alone."""
        per_member = max(1, arrays[0].nbytes if len(arrays) else 1)
        block = max(1, _BLOCK_BYTES // per_member)
        scores = [
            self.metric.screen(arrays[start : start + block])
            for start in range(0, len(arrays), block)
        ]
        return self.sign * np.concatenate(scores or [np.empty(0)])

    def pairs(
        self, column: NDArray[Any], other: NDArray[Any], *, sums: bool = False
    ) -> NDArray[np.float64]:
        """:meth:`members` of two-column members given as two raw columns (not modified).

        ``sums``: see :meth:`FastMetric.screen_pair`.
        """
        return self.sign * self.metric.screen_pair(column, other, sums=sums)

    def candidates(
        self, sums: NDArray[Any], size: int, lo: int, hi: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], Refine]:
        """Sign-adjusted scores of ``ensemble + member i`` for i in [lo, hi).

        ``sums`` is the sum of the ``size`` ensemble members as the stack stores them
        (their focus column, or the whole members). Returns the scores, their
        tolerances, and ``refine(offsets)``, which re-screens those candidates in
        float64 in place when the first pass was a coarse float32 one (else it does
        nothing).
        """

        def exact_enough(offsets: NDArray[np.intp]) -> None:
            return None

        if self.stack.column is None:
            block = max(1, _BLOCK_BYTES // max(1, sums.nbytes))
            scores = [
                self.metric.screen(
                    (sums + self.stack.stored[start : min(start + block, hi)]) / (size + 1)
                )
                for start in range(lo, hi, block)
            ]
            screen = self.sign * np.concatenate(scores or [np.empty(0)])
            return screen, self.metric.tolerance(screen), exact_enough
        column = sums
        floor = float(np.min(column))
        count = size + 1
        stored32 = self.stack.stored32
        if (
            stored32 is None
            or hi - lo < _COARSE_MIN_CANDIDATES
            or not self.metric.skips_clipping(floor, count)
        ):
            screen = self.sign * self._sum_screens(column, self.stack.stored, count, floor, lo, hi)
            return screen, self.metric.tolerance(screen), exact_enough
        screen = self.sign * self._sum_screens(
            column.astype(np.float32), stored32, count, floor, lo, hi
        )
        tolerance = self.metric.tolerance(screen, dtype=np.float32, magnitude=float(np.log(count)))

        def refine(offsets: NDArray[np.intp]) -> None:
            fine = self._sum_screens(
                column, self.stack.stored, count, floor, 0, 0, indices=lo + offsets
            )
            screen[offsets] = self.sign * fine
            tolerance[offsets] = self.metric.tolerance(screen[offsets])

        return screen, tolerance, refine

    def _sum_screens(
        self,
        column: NDArray[Any],
        stored: NDArray[Any],
        count: int,
        floor: float,
        lo: int,
        hi: int,
        indices: NDArray[np.intp] | None = None,
    ) -> NDArray[np.float64]:
        """``metric.screen_sums`` of ``column + stored[i]``, i in [lo, hi) or ``indices``."""
        n = hi - lo if indices is None else len(indices)
        rows = max(1, _BLOCK_BYTES // max(1, column.nbytes))
        scratch = self.scratch.get("screening", (rows, len(column)), stored.dtype)
        scores = []
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            out = scratch[: stop - start]
            if indices is None:
                np.add(column, stored[lo + start : lo + stop], out=out)
            else:
                np.take(stored, indices[start:stop], axis=0, out=out, mode="clip")  # in range
                np.add(out, column, out=out)
            scores.append(self.metric.screen_sums(out, count, floor=floor))
        return np.concatenate(scores) if scores else np.empty(0)
