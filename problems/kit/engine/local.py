"""Run a submission on all folds on this machine, folds in parallel processes.

The kit's data is loaded once, in the parent; fold processes are forked from it, so
they share that memory instead of re-reading the files (ramp-test reads the
training data twice and runs the folds one after the other). Each fold process is
limited to its share of the CPUs' BLAS/OpenMP threads so folds do not fight.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from ..loader import KitError
from ..protocols import Fold, PredictionsType, ScoreTypeLike, WorkflowLike
from .failures import FailureKind, FailureReport, SubmissionFailure
from .scoring import SubmissionScores, check_score_types, score_submission
from .train import FoldPredictions, train_fold

#: Rows of train and test kept by a quick test, and folds run.
QUICK_TEST_ROWS = 300
QUICK_TEST_FOLDS = 2


class KitLike(Protocol):
    """What the local engine needs from a kit (``problems.kit.Kit`` provides it)."""

    Predictions: PredictionsType
    workflow: WorkflowLike
    score_types: list[ScoreTypeLike]

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


@dataclass(frozen=True)
class FoldEvent:
    """A progress report: fold ``fold`` (of ``n_folds``) ``started`` or ``finished``."""

    kind: Literal["started", "finished"]
    fold: int
    n_folds: int
    seconds: float = 0.0


ProgressCallback = Callable[[FoldEvent], None]


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


def _limit_threads(n_threads: int) -> contextlib.AbstractContextManager[object]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn always brings it
        return contextlib.nullcontext()
    return threadpool_limits(limits=n_threads)


_Message = tuple[str, int, "FoldPredictions | FailureReport | None"]


def _worker(
    kit: KitLike,
    submission_dir: Path,
    data: KitData,
    n_threads: int,
    tasks: multiprocessing.SimpleQueue[int | None],
    messages: multiprocessing.Queue[_Message],
) -> None:
    """Train the folds handed out in ``tasks`` until told to stop (``None``).

    One long-lived worker per CPU, not one process per fold: the libraries a
    submission imports lazily are then loaded once per worker rather than per fold.
    """
    with _limit_threads(n_threads):
        while (fold_index := tasks.get()) is not None:
            messages.put(("started", fold_index, None))
            try:
                outcome: FoldPredictions | FailureReport = _train(
                    kit, submission_dir, data, fold_index
                )
            except SubmissionFailure as failure:
                outcome = failure.report
            messages.put(("finished", fold_index, outcome))


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


def _died(fold_index: int, exitcode: int | None) -> SubmissionFailure:
    message = f"The process training fold {fold_index} died (exit code {exitcode})."
    return SubmissionFailure(
        FailureReport(FailureKind.TRAINING_ERROR, message, message, fold_index)
    )


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
    folder = Path(submission_dir).resolve()
    n_folds = len(data.folds)
    notify = progress or (lambda event: None)
    n_workers = max(1, min(n_jobs or os.cpu_count() or 1, n_folds))
    if n_workers == 1:
        predictions = []
        for i in range(n_folds):
            start = time.perf_counter()
            notify(FoldEvent("started", i, n_folds))
            predictions.append(_train(kit, folder, data, i))
            notify(FoldEvent("finished", i, n_folds, time.perf_counter() - start))
        return predictions
    return _train_in_processes(kit, folder, data, n_workers, notify)


def _train_in_processes(
    kit: KitLike, folder: Path, data: KitData, n_workers: int, notify: ProgressCallback
) -> list[FoldPredictions]:
    # fork: workers inherit the loaded data and the imported kit, nothing is pickled
    # on the way in; only the predictions travel back through the queue.
    context = multiprocessing.get_context("fork")
    tasks: multiprocessing.SimpleQueue[int | None] = context.SimpleQueue()
    messages: multiprocessing.Queue[_Message] = context.Queue()
    n_folds = len(data.folds)
    for i in range(n_folds):
        tasks.put(i)
    for _ in range(n_workers):
        tasks.put(None)
    n_threads = max(1, (os.cpu_count() or 1) // n_workers)
    workers = [
        context.Process(
            target=_worker,
            args=(kit, folder, data, n_threads, tasks, messages),
            daemon=True,
        )
        for _ in range(n_workers)
    ]
    for worker in workers:
        worker.start()
    started: dict[int, float] = {}
    done: dict[int, FoldPredictions] = {}
    try:
        while len(done) < n_folds:
            try:
                kind, i, outcome = messages.get(timeout=0.2)
            except queue.Empty:
                _check_alive(workers, started, done)
                continue
            if kind == "started":
                started[i] = time.perf_counter()
                notify(FoldEvent("started", i, n_folds))
            elif isinstance(outcome, FailureReport):
                raise SubmissionFailure(outcome)
            elif outcome is not None:
                done[i] = outcome
                notify(FoldEvent("finished", i, n_folds, time.perf_counter() - started[i]))
    finally:
        for worker in workers:
            if worker.is_alive() and len(done) < n_folds:
                worker.terminate()
            worker.join()
        messages.close()
    return [done[i] for i in range(n_folds)]


def _check_alive(
    workers: Sequence[multiprocessing.process.BaseProcess],
    started: dict[int, float],
    done: dict[int, FoldPredictions],
) -> None:
    """Fail when a worker died (killed, out of memory, ``os._exit`` in a submission)."""
    for worker in workers:
        if worker.exitcode not in (None, 0):
            unfinished = sorted(set(started) - set(done))
            raise _died(unfinished[0] if unfinished else -1, worker.exitcode)


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
    fold_predictions = train_folds_locally(
        kit, submission_dir, data, n_jobs=n_jobs, progress=progress
    )
    scores = score_submission(
        Predictions=kit.Predictions,
        score_types=kit.score_types,
        y_train=data.y_train,
        y_test=data.y_test,
        folds=data.folds,
        fold_predictions=fold_predictions,
    )
    return scores, fold_predictions
