"""Run folds in forked worker processes, reporting when each starts and finishes.

Workers are forked, so they inherit the loaded data, the imported kit and the
function to run: nothing is pickled on the way in, only results travel back. There
is one long-lived worker per CPU rather than one process per fold, so libraries a
submission imports lazily are loaded once per worker, not once per fold. Each worker
gets its share of the BLAS/OpenMP threads, so folds do not fight over the cores.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from .failures import FailureKind, FailureReport, SubmissionFailure

Result = TypeVar("Result")


@dataclass(frozen=True)
class FoldEvent:
    """A progress report: fold ``fold`` (of ``n_folds``) ``started`` or ``finished``."""

    kind: Literal["started", "finished"]
    fold: int
    n_folds: int
    seconds: float = 0.0


ProgressCallback = Callable[[FoldEvent], None]


def _limit_threads(n_threads: int) -> contextlib.AbstractContextManager[object]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn always brings it
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[object] = threadpool_limits(limits=n_threads)
    return limits


def run_sequentially(
    run_fold: Callable[[int], Result], n_folds: int, notify: ProgressCallback
) -> list[Result]:
    """Run the folds one after the other in this process."""
    results = []
    for i in range(n_folds):
        start = time.perf_counter()
        notify(FoldEvent("started", i, n_folds))
        results.append(run_fold(i))
        notify(FoldEvent("finished", i, n_folds, time.perf_counter() - start))
    return results


def _worker(
    run_fold: Callable[[int], Any],
    n_threads: int,
    tasks: multiprocessing.SimpleQueue[int | None],
    messages: multiprocessing.Queue[tuple[str, int, Any]],
) -> None:
    with _limit_threads(n_threads):
        while (fold_index := tasks.get()) is not None:
            messages.put(("started", fold_index, None))
            try:
                outcome = run_fold(fold_index)
            except SubmissionFailure as failure:
                # The exception does not pickle with its report; the report does.
                outcome = failure.report
            messages.put(("finished", fold_index, outcome))


class _Pool(Generic[Result]):
    def __init__(self, run_fold: Callable[[int], Result], n_folds: int, n_workers: int) -> None:
        context = multiprocessing.get_context("fork")
        self.tasks: multiprocessing.SimpleQueue[int | None] = context.SimpleQueue()
        self.messages: multiprocessing.Queue[tuple[str, int, Any]] = context.Queue()
        for i in range(n_folds):
            self.tasks.put(i)
        for _ in range(n_workers):
            self.tasks.put(None)
        n_threads = max(1, available_cpus() // n_workers)
        self.workers = [
            context.Process(
                target=_worker,
                args=(run_fold, n_threads, self.tasks, self.messages),
                daemon=True,
            )
            for _ in range(n_workers)
        ]
        self.started: dict[int, float] = {}
        self.done: dict[int, Result] = {}

    def check_alive(self) -> None:
        """Fail when a worker died (killed, out of memory, ``os._exit`` in a submission)."""
        for worker in self.workers:
            if worker.exitcode not in (None, 0):
                unfinished = sorted(set(self.started) - set(self.done))
                fold = unfinished[0] if unfinished else None
                message = f"The process training fold {fold} died (exit code {worker.exitcode})."
                report = FailureReport(FailureKind.TRAINING_ERROR, message, message, fold)
                raise SubmissionFailure(report)

    def close(self, finished: bool) -> None:
        for worker in self.workers:
            if worker.is_alive() and not finished:
                worker.terminate()
            worker.join()
        self.messages.close()


def run_in_processes(
    run_fold: Callable[[int], Result], n_folds: int, n_workers: int, notify: ProgressCallback
) -> list[Result]:
    """Run ``run_fold(i)`` for every fold in ``n_workers`` forked processes.

    Raises
    ------
    SubmissionFailure
        As soon as one fold fails (or its process dies); the other workers are killed.
    """
    pool: _Pool[Result] = _Pool(run_fold, n_folds, n_workers)
    for worker in pool.workers:
        worker.start()
    try:
        while len(pool.done) < n_folds:
            try:
                kind, i, outcome = pool.messages.get(timeout=0.2)
            except queue.Empty:
                pool.check_alive()
                continue
            if kind == "started":
                pool.started[i] = time.perf_counter()
                notify(FoldEvent("started", i, n_folds))
            elif isinstance(outcome, FailureReport):
                raise SubmissionFailure(outcome)
            else:
                pool.done[i] = outcome
                seconds = time.perf_counter() - pool.started[i]
                notify(FoldEvent("finished", i, n_folds, seconds))
    finally:
        pool.close(finished=len(pool.done) == n_folds)
    return [pool.done[i] for i in range(n_folds)]


def available_cpus() -> int:
    """CPUs this process may run on (respects taskset and container CPU sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
