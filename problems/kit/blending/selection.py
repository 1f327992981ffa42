"""Greedy forward ensemble selection on one fold (Caruana et al., 2004).

The rule, identical to ramp-workflow's ``blend_on_fold``: start from the best single
submission on the official score (first index on ties); then, scanning candidates in
index order, a candidate replaces the step's best when adding it to the ensemble
scores strictly better than the best so far by more than ``min_improvement``; add the
step's best (with replacement) and repeat until no candidate improves or the
ensemble has ``max_size`` members.

:func:`select_generic` does this with ``Predictions.combine`` and ``score_function``
for every candidate, like ramp-workflow. :class:`FastFold` gets the same answer from
a running sum of the members and vectorised screening scores; whenever a screening
score is too close to a decision to trust, the candidate is re-scored with the score
type itself, so ties and rounding resolve as on the generic path (the screening
itself is in :mod:`.screening`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .fast_metrics import FastMetric
from .member_stack import EnsembleSum, MemberStack, Scratch
from .prediction_kinds import CombineKind
from .screening import Screening

# Bytes of member columns appended at once: what stays in a core's cache between the
# passes (one member at 40,000 rows; many, and fewer numpy calls, for small folds).
_CACHED_BYTES = 2**18


@dataclass(frozen=True)
class FoldSelection:
    """The ensemble chosen on one fold.

    ``members`` are submission indexes in the order they were added (repeats allowed);
    ``scores[t]`` is the official score of the ensemble of the first ``t + 1``: exact
    where ``tolerances[t]`` is 0, else the vectorised estimate, within that tolerance
    (a step that was not a close call needs no exact score).
    """

    members: list[int]
    scores: list[float]
    n_candidates: int
    tolerances: list[float] = field(default_factory=list)


@dataclass
class _Score:
    """A sign-adjusted score: exact, or a screening estimate within ``tolerance``."""

    value: float
    tolerance: float = 0.0
    resolve: Callable[[], float] | None = None

    def exact(self) -> float:
        if self.resolve is not None:
            self.value, self.tolerance, self.resolve = self.resolve(), 0.0, None
        return self.value


def _is_better(new: float, best: float, lower_is_better: bool, min_improvement: float) -> bool:
    if lower_is_better:
        return bool(new < best - min_improvement)
    return bool(new > best + min_improvement)


def select_generic(
    predictions: Sequence[Any],
    truth: Any,
    score_type: Any,
    *,
    Predictions: Any,
    min_improvement: float = 0.0,
    max_size: int = 80,
) -> FoldSelection:
    """Greedy selection recombining and rescoring every candidate (any kit).

    ``predictions`` are the members' valid ``Predictions``; ``truth`` the fold's.
    """
    lower = bool(score_type.is_lower_the_better)
    singles = [score_type.score_function(truth, p) for p in predictions]
    members = [int(np.argmin(singles) if lower else np.argmax(singles))]

    def ensemble_score(index_list: list[int]) -> float:
        combined = Predictions.combine([predictions[i] for i in index_list])
        return float(score_type.score_function(truth, combined))

    scores = [ensemble_score(members)]
    while len(members) < max_size:
        best_score, best_index = scores[-1], -1
        for i in range(len(predictions)):
            new_score = ensemble_score([*members, i])
            if _is_better(new_score, best_score, lower, min_improvement):
                best_score, best_index = new_score, i
        if best_index < 0:
            break
        members.append(best_index)
        scores.append(best_score)
    return FoldSelection(members, scores, len(predictions))


class FastFold:
    """One fold's members as a dense, appendable stack, and the fast selection.

    Parameters
    ----------
    truth : callable
        Returns the fold's ground truth ``Predictions`` (built on first use: the exact
        scores that need it are few).
    n_rows : int
        The fold's number of valid rows.
    score_type : score type
        The official score.
    metric : FastMetric
        Its vectorised screening version on this fold.
    combine : CombineKind
        How the kit's ``Predictions`` combine members.
    make_predictions : callable
        Wraps an array as the kit's ``Predictions`` (for exact scoring).
    load_raw : callable
        ``load_raw(i)`` returns member ``i``'s raw valid predictions again.
    min_improvement, max_size
        As for :func:`select_generic`.
    scratch : Scratch, optional
        Work buffers, shared with the other folds of the blend.
    """

    def __init__(
        self,
        *,
        truth: Callable[[], Any],
        n_rows: int,
        score_type: Any,
        metric: FastMetric,
        combine: CombineKind,
        make_predictions: Callable[[NDArray[Any]], Any],
        load_raw: Callable[[int], NDArray[Any]],
        min_improvement: float = 0.0,
        max_size: int = 80,
        scratch: Scratch | None = None,
    ) -> None:
        self.truth = truth
        self.score_type = score_type
        self.metric = metric
        self.make_predictions = make_predictions
        self.min_improvement = float(min_improvement)
        self.max_size = max_size
        # +1 when lower is better: selection then always minimises sign * score.
        self.sign = 1.0 if score_type.is_lower_the_better else -1.0
        self.dtype = metric.compute_dtype
        self.stack = MemberStack(
            combine=combine,
            dtype=self.dtype,
            row_shape=(n_rows,) if combine.n_columns == 0 else (n_rows, combine.n_columns),
            column=metric.column,
            truth_index=metric.truth_index,
            load_raw=load_raw,
            mirror_float32=metric.screens_in_float32,
        )
        self._batch: NDArray[Any] | None = None
        self.scratch = scratch if scratch is not None else Scratch()
        self.screening = Screening(
            stack=self.stack, metric=metric, sign=self.sign, scratch=self.scratch
        )
        self._single_screen = np.empty(0)
        self._single_tolerance = np.empty(0)
        self._single_exact: dict[int, float] = {}
        self.exact_evaluations = 0

    @property
    def n_members(self) -> int:
        return self.stack.n_members

    def reserve(self, extra: int) -> None:
        """Make room for ``extra`` more members at once (one allocation)."""
        self.stack.reserve(extra)

    def append(self, raw_blocks: Sequence[NDArray[Any]]) -> None:
        """Add members from their raw valid predictions (one array per member)."""
        if not raw_blocks:
            return
        if self.stack.writes_column_only and all(
            block.shape == self.stack.row_shape
            and block.dtype == self.dtype
            and block.flags.c_contiguous
            for block in raw_blocks
        ):
            self._append_binary(raw_blocks)
            return
        # One reused buffer: fresh pages for every batch cost more than the arithmetic.
        shape = (len(raw_blocks), *self.stack.row_shape)
        if self._batch is None or len(self._batch) < len(raw_blocks):
            self._batch = np.empty(shape, dtype=self.dtype)
        raw = self._batch[: len(raw_blocks)]
        for row, block in zip(raw, raw_blocks):
            row[...] = block
        screen = self.screening.members(raw)
        self.stack.append(raw)
        self._record_singles(screen)

    def _append_binary(self, raw_blocks: Sequence[NDArray[Any]]) -> None:
        """Two-column members, from their two raw columns only: each block is read once.

        The blocks go in groups small enough for their columns to stay in cache
        between the dozen passes over them (the passes are memory-bound).
        """
        n_rows = self.stack.row_shape[0]
        group = max(1, _CACHED_BYTES // max(1, n_rows * self.dtype.itemsize))
        group = min(group, len(raw_blocks))
        screens = []
        for start in range(0, len(raw_blocks), group):
            blocks = raw_blocks[start : start + group]
            other = self.scratch.get("other column", (len(blocks), n_rows), self.dtype)
            # Usually nothing is clipped: then neither column needs range checks, and
            # the row sums take one pass over the block instead of a second gather.
            sums = all(self.stack.combine.clips_nothing(block) for block in blocks)
            rows = self.stack.gather_binary(blocks, other, sums=sums)
            screen = self.screening.pairs(rows, other, sums=sums)
            # The screening gives NaN to any member with a non-finite raw value.
            finite = sums or not np.isnan(screen).any()
            self.stack.append_binary(rows, other, raw_finite=finite, sums=sums)
            screens.append(screen)
        self._record_singles(np.concatenate(screens))

    def _record_singles(self, screen: NDArray[np.float64]) -> None:
        self._single_screen = np.concatenate([self._single_screen, screen])
        tolerance = self.metric.tolerance(screen)
        self._single_tolerance = np.concatenate([self._single_tolerance, tolerance])

    # -- scoring -------------------------------------------------------------------

    def _exact(self, ensemble: EnsembleSum, candidate: int | None = None) -> float:
        """Sign-adjusted official score of the ensemble (plus ``candidate``)."""
        total, size = ensemble.full(), ensemble.size
        if candidate is not None:
            total, size = total + self.stack.member(candidate), size + 1
        predictions = self.make_predictions(total / size)
        self.exact_evaluations += 1
        return self.sign * float(self.score_type.score_function(self.truth(), predictions))

    def _best_single(self) -> int:
        """The best single submission on its raw predictions (first index on ties).

        Exact scores are computed only for the candidates within tolerance of the
        best screening score (and cached: the best can only improve as submissions
        arrive, so later contenders are a subset of these and of the newcomers).
        """
        screen, tolerance = self._single_screen, self._single_tolerance
        unknown = np.isnan(screen)
        ceiling = np.min(np.where(unknown, np.inf, screen + tolerance))
        contenders = np.flatnonzero(unknown | (screen - tolerance <= ceiling))
        if len(contenders) == 1:
            return int(contenders[0])
        for index in (int(i) for i in contenders):
            if index not in self._single_exact:
                raw = self.make_predictions(self.stack.load_raw(index))
                score = self.score_type.score_function(self.truth(), raw)
                self._single_exact[index] = float(score)
                self.exact_evaluations += 1
        values = np.array([self._single_exact[int(i)] for i in contenders])
        if np.any(np.isnan(values)):  # numpy's argmin/argmax return the first NaN
            return int(contenders[int(np.flatnonzero(np.isnan(values))[0])])
        return int(contenders[int(np.argmin(self.sign * values))])

    def _alone(self, ensemble: EnsembleSum, sums: NDArray[Any]) -> _Score:
        """The score of a one-member ensemble: screened, exact only if ever needed.

        ``sums`` is the member as the stack stores it.
        """
        if self.stack.column is not None:
            estimate = self.metric.screen_column(sums[None], overwrite=False)
        else:
            estimate = self.metric.screen(sums[None])
        value = self.sign * float(estimate[0])
        if math.isnan(value):
            return _Score(self._exact(ensemble))
        tolerance = float(self.metric.tolerance(np.array([value]))[0])
        return _Score(value, tolerance, lambda: self._exact(ensemble))

    def _scan(
        self, ensemble: EnsembleSum, sums: NDArray[Any], base: _Score, lo: int, hi: int
    ) -> tuple[int, _Score | None]:
        """The generic scan over candidates [lo, hi): ``(winner or -1, its score)``.

        ``sums`` is the sum of the ensemble's members as the stack stores them.

        A candidate wins over the best so far when its (sign-adjusted) score is below
        ``best - min_improvement``, the best starting at ``base``. When one candidate
        is clearly below every other and below the threshold, even allowing for the
        screening tolerance, it wins without an exact evaluation; otherwise the close
        calls are settled by the score type itself.
        """
        if hi <= lo:
            return -1, None
        screen, tolerance, refine = self.screening.candidates(sums, ensemble.size, lo, hi)
        upper_threshold = base.value + base.tolerance - self.min_improvement
        # The candidates a coarse screening cannot rule out get the fine one.
        possible = np.isnan(screen) | (screen - tolerance < upper_threshold)
        if self.min_improvement == 0.0 and np.any(possible & ~np.isnan(screen)):
            ceiling = np.min(np.where(possible & ~np.isnan(screen), screen + tolerance, np.inf))
            possible &= np.isnan(screen) | (screen - tolerance <= ceiling)
        refine(np.flatnonzero(possible))
        unknown = np.isnan(screen)
        possible = unknown | (screen - tolerance < upper_threshold)
        if not np.any(possible):
            return -1, None
        if self.min_improvement == 0.0:
            # The scan ends on the first index of the smallest score below the
            # threshold: only candidates within tolerance of that minimum can be it.
            ceiling = np.min(np.where(possible & ~unknown, screen + tolerance, np.inf))
            contenders = np.flatnonzero(possible & (unknown | (screen - tolerance <= ceiling)))
            if len(contenders) == 1 and not unknown[contenders[0]]:
                offset = int(contenders[0])
                if screen[offset] + tolerance[offset] < base.value - base.tolerance:
                    return lo + offset, self._lazy(
                        ensemble, lo + offset, float(screen[offset]), float(tolerance[offset])
                    )
            # Most promising first: once one exact score is known, a contender whose
            # score cannot reach it (even allowing for tolerance) needs no evaluation.
            order = contenders[
                np.argsort(
                    np.where(unknown[contenders], -np.inf, screen[contenders]), kind="stable"
                )
            ]
            best_index, best = -1, math.inf
            for offset in (int(o) for o in order):
                if not unknown[offset] and screen[offset] - tolerance[offset] > best:
                    continue
                value = self._exact(ensemble, lo + offset)
                if value < best or (value == best and lo + offset < best_index):
                    best_index, best = lo + offset, value
            clearly_below = best < base.value - base.tolerance
            if best_index < 0 or not (clearly_below or best < base.exact()):
                return -1, None
            return best_index, _Score(best)
        threshold = base.exact() - self.min_improvement
        best_index, best = -1, math.nan
        position = 0
        while True:
            ahead = np.flatnonzero(
                unknown[position:] | (screen[position:] - tolerance[position:] < threshold)
            )
            if len(ahead) == 0:
                return best_index, (_Score(best) if best_index >= 0 else None)
            offset = position + int(ahead[0])
            value = self._exact(ensemble, lo + offset)
            if value < threshold:
                best_index, best = lo + offset, value
                threshold = best - self.min_improvement
            position = offset + 1

    def _lazy(
        self, ensemble: EnsembleSum, candidate: int, estimate: float, tolerance: float
    ) -> _Score:
        """A screening estimate whose exact value is computed only if ever needed."""
        return _Score(estimate, tolerance, lambda: self._exact(ensemble, candidate))

    # -- selection -----------------------------------------------------------------

    def select(self, previous: FoldSelection | None = None) -> FoldSelection:
        """Run the greedy selection; reuse ``previous`` when members were only appended.

        Each step of ``previous`` stays valid unless one of the members appended since
        wins it; only the new members are scored against the recorded step scores, and
        the full greedy resumes from the first step they change.
        """
        if self.n_members == 0:
            raise ValueError("no submissions to blend on this fold")
        first = self._best_single()
        ensemble = EnsembleSum(self.stack, (first,))
        # The running sum as stored, updated in place: only the newest is screened.
        sums = self.stack.stored[first].copy()
        new_lo = previous.n_candidates if previous is not None else self.n_members
        replaying = previous is not None and previous.members[0] == first
        if replaying:
            assert previous is not None
            scores = [self._recorded(previous, 0, ensemble)]
        else:
            scores = [self._alone(ensemble, sums)]
        while ensemble.size < self.max_size:
            step = ensemble.size
            if replaying:
                assert previous is not None
                old: _Score | None = None
                if step < len(previous.members):
                    old = self._recorded(previous, step, ensemble)
                base = old if old is not None else scores[-1]
                winner, score = self._scan(ensemble, sums, base, new_lo, self.n_members)
                if winner >= 0:
                    replaying = False
                elif old is not None:
                    winner, score = previous.members[step], old
            else:
                winner, score = self._scan(ensemble, sums, scores[-1], 0, self.n_members)
            if winner < 0 or score is None:
                break
            scores.append(score)
            np.add(sums, self.stack.stored[winner], out=sums)
            ensemble = ensemble.plus(winner)
        return FoldSelection(
            list(ensemble.members),
            [self.sign * score.value for score in scores],
            self.n_members,
            [score.tolerance for score in scores],
        )

    def _recorded(self, previous: FoldSelection, step: int, ensemble: EnsembleSum) -> _Score:
        """Step ``step``'s recorded score; ``ensemble``: the steps before (step 0: itself)."""
        value = self.sign * previous.scores[step]
        tolerance = previous.tolerances[step] if previous.tolerances else 0.0
        if tolerance == 0.0:
            return _Score(value)
        if step == 0:
            return _Score(value, tolerance, lambda: self._exact(ensemble))
        return self._lazy(ensemble, previous.members[step], value, tolerance)

    def ensemble_mean(self, members: Sequence[int]) -> NDArray[Any]:
        """What ``Predictions.combine`` returns for ``members`` (bit for bit)."""
        total = self.stack.member(members[0]).copy()
        for index in members[1:]:
            total = total + self.stack.member(index)
        return np.asarray(total / len(members))
