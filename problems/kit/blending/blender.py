"""Blend submissions over the cross-validation folds; contributivity and scores.

Per fold, a greedy ensemble is selected on the valid rows (see :mod:`.selection`).
Each fold shares one unit among its ensemble members (``1 / size`` per occurrence);
a submission's contributivity is its share averaged over the folds. The combined
valid score bags the fold ensembles' valid predictions over the folds exactly as
ramp-workflow's ``get_score_cv_bags``; the combined test score combines the fold
ensembles' test predictions. "Foldwise best" is the same with each fold's best single
submission. Callers pass only submissions that were scored: failed, cancelled or
excluded ones must be filtered out before (the blender blends what it is given).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.scoring import bagged_scores
from .fast_metrics import make_fast_metric
from .member_stack import Scratch
from .prediction_kinds import CombineKind, combine_kind
from .selection import FastFold, FoldSelection, select_generic
from .truth import Truths, build_truth

ArrayOrLoader = NDArray[Any] | Callable[[], NDArray[Any]]
"""An array, or a function returning it (to keep large predictions off memory)."""

Scores = dict[str, float]


def _load(source: ArrayOrLoader) -> NDArray[Any]:
    return np.asarray(source() if callable(source) else source)


@dataclass(frozen=True)
class SubmissionOutput:
    """One submission's saved predictions, per fold.

    Parameters
    ----------
    name : str
        The submission's name (or id, as a string).
    valid : sequence of array or loader
        Per fold, the predictions of that fold's valid rows only, in the order of
        the fold's valid indices (``y_pred_train[valid_is]``).
    test : sequence of array or loader, optional
        Per fold, that fold model's predictions on the test set.
    """

    name: str
    valid: Sequence[ArrayOrLoader]
    test: Sequence[ArrayOrLoader] | None = None


@dataclass(frozen=True)
class BlendResult:
    """What a blend reports.

    ``selections[f]`` lists the submission indexes of fold ``f``'s ensemble in the
    order they were added; ``contributivity`` maps each submission to its share
    (they sum to 1); ``combined`` and ``foldwise_best`` map ``"valid"``/``"test"``
    to ``{score name: value}`` for every score type (``"test"`` only when test
    labels and every selected submission's test predictions were given).
    ``fold_scores[f][t]`` is the official valid score of fold ``f``'s first ``t + 1``
    members (see :class:`~.selection.FoldSelection` for its precision).
    """

    submissions: list[str]
    selections: list[list[int]]
    contributivity: dict[str, float]
    combined: dict[str, Scores]
    foldwise_best: dict[str, Scores]
    fold_scores: list[list[float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``ramplab blend --json`` document."""
        return {
            "contributivity": dict(self.contributivity),
            "combined": {step: dict(s) for step, s in self.combined.items()},
            "foldwise_best": {step: dict(s) for step, s in self.foldwise_best.items()},
        }


class Blender:
    """An incremental blender: add submissions, then :meth:`blend` (again and again).

    Parameters
    ----------
    Predictions : Predictions class
        The kit's prediction type (``problems.kit`` or ramp-workflow).
    score_types : sequence of score types
        The kit's score types; ``score_types[score_type_index]`` is blended on.
    y_train : array-like
        The training labels (``get_train_data``).
    valid_indices : sequence of arrays of int
        Each fold's valid row indices into ``y_train`` (from ``get_cv``).
    y_test : array-like, optional
        The test labels; without them, no test scores.
    min_improvement : float
        A candidate must improve the ensemble by more than this.
    max_ensemble_size : int
        Stop when a fold's ensemble has this many members.
    score_type_index : int
        Which score type is the official one (the blend optimises it).
    n_jobs : int
        Folds processed at once, in threads (numpy releases the GIL).

    Examples
    --------
    >>> import numpy as np
    >>> from problems.kit.predictions import Multiclass
    >>> from problems.kit.score_types import Accuracy
    >>> class Predictions(Multiclass):
    ...     label_names = (0, 1)
    >>> y = np.array([0, 1, 1, 0])
    >>> blender = Blender(
    ...     Predictions=Predictions, score_types=[Accuracy()], y_train=y,
    ...     valid_indices=[np.array([0, 1]), np.array([2, 3])],
    ... )
    >>> good = np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[0.3, 0.7], [0.6, 0.4]])
    >>> bad = good[1][::-1], good[0][::-1]
    >>> blender.add(SubmissionOutput("good", valid=good))
    >>> blender.add(SubmissionOutput("bad", valid=bad))
    >>> result = blender.blend()
    >>> result.contributivity
    {'good': 1.0, 'bad': 0.0}
    """

    def __init__(
        self,
        *,
        Predictions: Any,
        score_types: Sequence[Any],
        y_train: Any,
        valid_indices: Sequence[Any],
        y_test: Any = None,
        min_improvement: float = 0.0,
        max_ensemble_size: int = 80,
        score_type_index: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_jobs = max(1, n_jobs)
        self.Predictions = Predictions
        self.score_types = list(score_types)
        self.score_type = self.score_types[score_type_index]
        self.y_train = y_train
        self.y_test = y_test
        self.valid_indices = [np.asarray(v) for v in valid_indices]
        self.min_improvement = float(min_improvement)
        self.max_ensemble_size = max_ensemble_size
        self.submissions: list[SubmissionOutput] = []
        self._combine: CombineKind | None = combine_kind(Predictions)
        self.truths = Truths(
            Predictions=Predictions,
            combine=self._combine,
            y_train=y_train,
            valid_indices=self.valid_indices,
        )
        self._test_truth = (
            build_truth(Predictions, self._combine, y_test)[0] if y_test is not None else None
        )
        self._fast: list[FastFold | None] = [None] * len(self.valid_indices)
        self._fast_disabled = [self._combine is None] * len(self.valid_indices)
        self._selections: list[FoldSelection | None] = [None] * len(self.valid_indices)
        self._score_cache: dict[tuple[Any, ...], dict[str, Scores]] = {}
        self._scratch = Scratch()

    @property
    def n_folds(self) -> int:
        return len(self.valid_indices)

    @property
    def uses_fast_path(self) -> list[bool]:
        """Per fold, whether the vectorised selection is used."""
        return [not disabled for disabled in self._fast_disabled]

    def add(self, submission: SubmissionOutput) -> None:
        """Add one scored submission (see :meth:`add_many`)."""
        self.add_many([submission])

    def add_many(self, submissions: Sequence[SubmissionOutput]) -> None:
        """Add scored submissions; their valid predictions are loaded once, now."""
        for submission in submissions:
            if len(submission.valid) != self.n_folds:
                raise ValueError(
                    f"{submission.name} has {len(submission.valid)} folds, expected {self.n_folds}."
                )
        if not submissions:
            return
        self.submissions.extend(submissions)  # first: fold stacks may reload members
        self._per_fold(
            lambda fold: self._append_to_fold(fold, [s.valid[fold] for s in submissions])
        )

    def _per_fold(self, work: Callable[[int], object]) -> None:
        if self.n_jobs == 1:
            for fold in range(self.n_folds):
                work(fold)
            return
        with ThreadPoolExecutor(max_workers=self.n_jobs) as pool:
            list(pool.map(work, range(self.n_folds)))

    def _append_to_fold(self, fold: int, sources: Sequence[ArrayOrLoader]) -> None:
        if self._fast_disabled[fold]:
            return
        assert self._combine is not None
        batch = 8  # members per pass: a few megabytes, which stay in cache
        for start in range(0, len(sources), batch):
            raw = [_load(source) for source in sources[start : start + batch]]
            state = self._fast[fold]
            if state is None:
                state = self._new_fast_fold(fold, raw[0])
                if state is None:
                    self._fast_disabled[fold] = True
                    return
                self._fast[fold] = state
            if start == 0:
                state.reserve(len(sources))
            if any(self._combine.compute_dtype(r) != state.dtype for r in raw):
                self._fast_disabled[fold], self._fast[fold] = True, None
                return
            try:
                state.append(raw)
            except ValueError:  # non-finite predictions: nanmean semantics, go generic
                self._fast_disabled[fold], self._fast[fold] = True, None
                return

    def _new_fast_fold(self, fold: int, raw: NDArray[Any]) -> FastFold | None:
        assert self._combine is not None
        dtype = self._combine.compute_dtype(raw)
        metric = make_fast_metric(
            self.score_type,
            compute_dtype=dtype,
            combine_kind=self._combine.kind,
            n_columns=self._combine.n_columns,
            truth=lambda: self.truths.fold(fold),
            label_index=self.truths.fold_label_index(fold),
        )
        if metric is None:
            return None
        return FastFold(
            truth=lambda: self.truths.fold(fold),
            n_rows=metric.n_rows,
            score_type=self.score_type,
            metric=metric,
            combine=self._combine,
            make_predictions=lambda y_pred: self.Predictions(y_pred=y_pred),
            load_raw=lambda index: _load(self.submissions[index].valid[fold]),
            min_improvement=self.min_improvement,
            max_size=self.max_ensemble_size,
            scratch=self._scratch,
        )

    def _valid_predictions(self, fold: int, index: int) -> Any:
        return self.Predictions(y_pred=_load(self.submissions[index].valid[fold]))

    def select(self) -> list[FoldSelection]:
        """Each fold's ensemble, reusing the previous selection where possible."""
        self._per_fold(self._select_fold)
        return [s for s in self._selections if s is not None]

    def _select_fold(self, fold: int) -> None:
        state = self._fast[fold]
        previous = self._selections[fold]
        if state is not None:
            self._selections[fold] = state.select(previous)
        elif previous is None or previous.n_candidates != len(self.submissions):
            predictions = [self._valid_predictions(fold, i) for i in range(len(self.submissions))]
            self._selections[fold] = select_generic(
                predictions,
                self.truths.fold(fold),
                self.score_type,
                Predictions=self.Predictions,
                min_improvement=self.min_improvement,
                max_size=self.max_ensemble_size,
            )

    def blend(self) -> BlendResult:
        """Select the fold ensembles and compute contributivities and scores."""
        if not self.submissions:
            raise ValueError("Nothing to blend: no scored submission was given.")
        selections = self.select()
        names = [s.name for s in self.submissions]
        shares = np.zeros((len(names), self.n_folds))
        for fold, selection in enumerate(selections):
            for index in selection.members:
                shares[index, fold] += 1.0 / len(selection.members)
        shares /= self.n_folds
        contributivity = dict(zip(names, (float(v) for v in shares.sum(axis=1))))
        members = [list(s.members) for s in selections]
        return BlendResult(
            submissions=names,
            selections=members,
            contributivity=contributivity,
            combined=self._scores_of(members, single_as_is=False),
            foldwise_best=self._scores_of([m[:1] for m in members], single_as_is=True),
            fold_scores=[list(s.scores) for s in selections],
        )

    def _scores_of(self, ensembles: list[list[int]], *, single_as_is: bool) -> dict[str, Scores]:
        """Bagged scores of these fold ensembles, remembered while they do not change.

        With ``single_as_is`` each ensemble is one submission taken as it is (the
        "foldwise best"); otherwise ensembles are combined, even of one member (which
        clips and renormalises multiclass probabilities), as ramp-workflow does.
        """
        key = (single_as_is, *(tuple(members) for members in ensembles))
        if key not in self._score_cache:
            valid, test = [], []
            for fold, members in enumerate(ensembles):
                if single_as_is:
                    valid.append(self._valid_predictions(fold, members[0]))
                else:
                    valid.append(self._fold_ensemble(fold, members))
                tests = self._test_predictions(fold, members)
                if tests is not None:
                    test.append(tests[0] if single_as_is else self._combine_tests(tests))
            self._score_cache[key] = self._bagged_scores(valid, test)
        return self._score_cache[key]

    def _fold_ensemble(self, fold: int, members: Sequence[int]) -> Any:
        state = self._fast[fold]
        if state is not None:
            return self.Predictions(y_pred=state.ensemble_mean(members))
        loaded = {i: self._valid_predictions(fold, i) for i in set(members)}
        return self.Predictions.combine([loaded[i] for i in members])

    def _combine_tests(self, tests: Sequence[Any]) -> Any:
        """``Predictions.combine(tests)``, as a running sum where that is the same array."""
        arrays = [np.asarray(t.y_pred) for t in tests]
        mean = None if self._combine is None else self._combine.running_mean(arrays)
        return (
            self.Predictions.combine(list(tests)) if mean is None else self.Predictions(y_pred=mean)
        )

    def _test_predictions(self, fold: int, members: Sequence[int]) -> list[Any] | None:
        """The members' test ``Predictions`` in ensemble order (repeats shared)."""
        if self.y_test is None:
            return None
        loaded: dict[int, Any] = {}
        for index in set(members):
            test = self.submissions[index].test
            if test is None:
                return None
            loaded[index] = self.Predictions(y_pred=_load(test[fold]))
        return [loaded[i] for i in members]

    def _bagged_scores(self, valid: Sequence[Any], test: Sequence[Any]) -> dict[str, Scores]:
        """Score fold predictions bagged as ``ramplab test`` and ramp-workflow do."""
        common = {"Predictions": self.Predictions, "score_types": self.score_types}
        result = {
            "valid": bagged_scores(
                **common,
                truth=self.truths.train,
                predictions_list=valid,
                rows_list=self.valid_indices,
            )
        }
        if test and len(test) == self.n_folds and self._test_truth is not None:
            result["test"] = bagged_scores(
                **common, truth=self._test_truth, predictions_list=test, rows_list=None
            )
        return result


def blend(
    submissions: Sequence[SubmissionOutput],
    *,
    Predictions: Any,
    score_types: Sequence[Any],
    y_train: Any,
    valid_indices: Sequence[Any],
    y_test: Any = None,
    min_improvement: float = 0.0,
    max_ensemble_size: int = 80,
    score_type_index: int = 0,
    n_jobs: int = 1,
) -> BlendResult:
    """Blend ``submissions`` once (see :class:`Blender` for the parameters).

    Only scored submissions belong in ``submissions``; the caller filters out
    failed, cancelled or excluded ones.
    """
    blender = Blender(
        Predictions=Predictions,
        score_types=score_types,
        y_train=y_train,
        valid_indices=valid_indices,
        y_test=y_test,
        min_improvement=min_improvement,
        max_ensemble_size=max_ensemble_size,
        score_type_index=score_type_index,
        n_jobs=n_jobs,
    )
    blender.add_many(submissions)
    return blender.blend()
