"""Run a submission on all folds on this machine, folds in parallel processes.

The kit's data is loaded once, in the parent; fold processes are forked from it, so
they share that memory instead of re-reading the files (ramp-test reads the
training data twice and runs the folds one after the other). Each fold is scored in
the process that trained it, with ground truth built once per process; the parent
only bags. See :mod:`.fold_pool` for the processes themselves.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..loader import KitError
from ..protocols import Fold, PredictionsType, ScoreTypeLike, WorkflowLike
from .failures import FailureKind, SubmissionFailure, failure_from_exception
from .fold_pool import (
    ProgressCallback,
    available_cpus,
    run_in_processes,
    run_sequentially,
)
from .results import FoldScores, SubmissionScores
from .scoring import FoldScorer, check_score_types, score_submission
from .train import FoldPredictions, train_fold

#: Rows of train and test kept by a quick test, and folds run.
QUICK_TEST_ROWS = 300
QUICK_TEST_FOLDS = 2


class KitLike(Protocol):
    """What the local engine needs from a kit (``problems.kit.Kit`` provides it)."""

    @property
    def Predictions(self) -> PredictionsType: ...

    @property
    def workflow(self) -> WorkflowLike: ...

    @property
    def score_types(self) -> list[ScoreTypeLike]: ...

    def get_cv(self, X: Any, y: Any) -> list[Fold]: ...

    def get_train_data(self, data_dir: str | Path | None = None) -> tuple[Any, Any]: ...

    def get_test_data(self, data_dir: str | Path | None = None) -> tuple[Any, Any]: ...


@dataclass(frozen=True)
class KitData:
    """The data of a kit, loaded once and shared by every fold and submission."""

    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any
    folds: list[Fold]


@contextlib.contextmanager
def ramp_test_mode(enabled: bool) -> Iterator[None]:
    """Set ``RAMP_TEST_MODE=1`` as ``ramp-test --quick-test`` does, then restore it.

    Kits (ours and ramp-workflow's) read it in ``get_*_data`` to return fewer rows.
    """
    previous = os.environ.get("RAMP_TEST_MODE")
    if enabled:
        os.environ["RAMP_TEST_MODE"] = "1"
    try:
        yield
    finally:
        if enabled:
            if previous is None:
                os.environ.pop("RAMP_TEST_MODE", None)
            else:
                os.environ["RAMP_TEST_MODE"] = previous


def _head(data: Any, n_rows: int) -> Any:
    """The first ``n_rows`` rows of a DataFrame, Series, array or list."""
    if data is None or len(data) <= n_rows:
        return data
    iloc = getattr(data, "iloc", None)
    return iloc[:n_rows] if iloc is not None else data[:n_rows]


def load_kit_data(
    kit: KitLike, data_dir: str | Path | None = None, *, quick_test: bool = False
) -> KitData:
    """Read train and test data and the folds, and check the score types fit.

    Parameters
    ----------
    kit : Kit
        From :func:`problems.kit.load_kit` (or anything with the same attributes).
    data_dir : str or Path, optional
        Folder holding ``data/``; the kit folder by default.
    quick_test : bool
        Set ``RAMP_TEST_MODE`` while reading, keep at most :data:`QUICK_TEST_ROWS`
        rows and the first :data:`QUICK_TEST_FOLDS` folds.

    Raises
    ------
    KitError
        When data cannot be read, ``get_cv`` fails, or a score type does not fit.
    """
    try:
        # Kits may read RAMP_TEST_MODE in get_cv too (fewer splits), as under ramp-test.
        with ramp_test_mode(quick_test):
            X_train, y_train = kit.get_train_data(data_dir)
            X_test, y_test = kit.get_test_data(data_dir)
            if quick_test:
                X_train, y_train = _head(X_train, QUICK_TEST_ROWS), _head(y_train, QUICK_TEST_ROWS)
                X_test, y_test = _head(X_test, QUICK_TEST_ROWS), _head(y_test, QUICK_TEST_ROWS)
            folds = list(kit.get_cv(X_train, y_train))
    except KitError:
        raise
    except Exception as error:  # a raw problem module rather than a loaded Kit
        raise KitError(f"Reading the kit's data failed: {type(error).__name__}: {error}") from error
    if quick_test:
        folds = folds[:QUICK_TEST_FOLDS]
    if not folds:
        raise KitError("get_cv returned no folds.")
    check_score_types(kit.Predictions, kit.score_types, y_train)
    return KitData(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test, folds=folds)


def _train(kit: KitLike, submission_dir: Path, data: KitData, fold_index: int) -> FoldPredictions:
    return train_fold(
        workflow=kit.workflow,
        Predictions=kit.Predictions,
        submission_dir=submission_dir,
        X_train=data.X_train,
        y_train=data.y_train,
        X_test=data.X_test,
        fold=data.folds[fold_index],
        fold_index=fold_index,
    )


def _scoring_failure(error: Exception, submission_dir: Path, fold: int | None) -> SubmissionFailure:
    # Predictions passed the generic checks, yet a score type choked on them (e.g.
    # detections with a field missing): the submission's output is at fault.
    return failure_from_exception(error, FailureKind.BAD_PREDICTIONS, submission_dir, fold)


_FoldResult = tuple[FoldPredictions, FoldScores | None]


def _fold_runner(
    kit: KitLike, folder: Path, data: KitData, *, score: bool
) -> Callable[[int], _FoldResult]:
    """Train (and score, when ``score``) one fold; in each process, truth is built once."""
    scorers: list[FoldScorer] = []

    def run(fold_index: int) -> _FoldResult:
        predictions = _train(kit, folder, data, fold_index)
        if not score:
            return predictions, None
        if not scorers:
            scorers.append(FoldScorer(kit.Predictions, kit.score_types, data.y_train, data.y_test))
        try:
            return predictions, scorers[0].score(data.folds[fold_index], predictions)
        except Exception as error:
            raise _scoring_failure(error, folder, fold_index) from error

    return run


def _run_folds(
    kit: KitLike,
    submission_dir: str | Path,
    data: KitData,
    *,
    n_jobs: int | None,
    progress: ProgressCallback | None,
    score: bool,
) -> list[_FoldResult]:
    folder = Path(submission_dir).resolve()
    n_folds = len(data.folds)
    run_fold = _fold_runner(kit, folder, data, score=score)
    notify = progress or (lambda event: None)
    n_workers = max(1, min(n_jobs or available_cpus(), n_folds))
    if n_workers == 1:
        return run_sequentially(run_fold, n_folds, notify)
    return run_in_processes(run_fold, n_folds, n_workers, notify)


def train_folds_locally(
    kit: KitLike,
    submission_dir: str | Path,
    data: KitData,
    *,
    n_jobs: int | None = None,
    progress: ProgressCallback | None = None,
) -> list[FoldPredictions]:
    """Train and predict every fold, ``n_jobs`` folds at a time (all CPUs by default).

    Raises
    ------
    SubmissionFailure
        For the first fold that fails; the other folds are stopped.
    """
    results = _run_folds(kit, submission_dir, data, n_jobs=n_jobs, progress=progress, score=False)
    return [predictions for predictions, _ in results]


def run_submission_locally(
    kit: KitLike,
    submission_dir: str | Path,
    data: KitData,
    *,
    n_jobs: int | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[SubmissionScores, Sequence[FoldPredictions]]:
    """Train, predict and score a submission on every fold of ``data``.

    Parameters
    ----------
    kit : Kit
        From :func:`problems.kit.load_kit`.
    submission_dir : str or Path
        The submission's folder (``<kit>/submissions/<name>``).
    data : KitData
        From :func:`load_kit_data`.
    n_jobs : int, optional
        Folds trained at the same time; all CPUs by default, 1 to stay in-process.
    progress : callable, optional
        Called with a :class:`FoldEvent` when a fold starts and finishes.

    Returns
    -------
    scores : SubmissionScores
    fold_predictions : list of FoldPredictions

    Raises
    ------
    SubmissionFailure
        When the submission fails on any fold.

    Examples
    --------
    >>> from problems.kit import load_kit
    >>> kit = load_kit("problems/iris")
    >>> data = load_kit_data(kit, quick_test=True)
    >>> scores, _ = run_submission_locally(kit, kit.path / "submissions/starting_kit", data)
    >>> sorted(scores.bagged.valid) == sorted(st.name for st in kit.score_types)
    True
    """
    # Each fold is scored in the process that trained it (this is the trusted local
    # mode: the labels are at hand); only the bagging is left for this process.
    results = _run_folds(kit, submission_dir, data, n_jobs=n_jobs, progress=progress, score=True)
    fold_predictions = [predictions for predictions, _ in results]
    fold_scores = [scores for _, scores in results if scores is not None]
    try:
        scores = score_submission(
            Predictions=kit.Predictions,
            score_types=kit.score_types,
            y_train=data.y_train,
            y_test=data.y_test,
            folds=data.folds,
            fold_predictions=fold_predictions,
            fold_scores=fold_scores,
        )
    except Exception as error:
        raise _scoring_failure(error, Path(submission_dir), None) from error
    return scores, fold_predictions
