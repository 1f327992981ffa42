"""Benchmark the blender on the HEP detector anomalies data (80,000 rows, 8 folds).

Synthetic submissions: each predicts P(isSkewed) as a sigmoid of the label signal
scaled by its own quality, plus noise shared with a few other submissions (so they
are correlated, as real ones are) and its own noise. Predictions are float64, as
scikit-learn's ``predict_proba`` writes them. Times are wall clock and, in brackets,
this process's CPU time (the machine may be shared).

    .venv/bin/python bench/blend.py            # N=10 vs ramp-blend, N=100, N=1,000
    .venv/bin/python bench/blend.py --quick    # N=10 vs ramp-blend only

1. N=10, written as ``training_output/`` in a ramp-workflow kit: ``ramplab``'s blend
   and ramp-workflow's ``blend_submissions`` (what ``ramp-blend`` runs), both in this
   process, end to end (reading data and predictions); contributivities compared.
   Then the selection alone on predictions in memory: ours (building the truth,
   adding the members, selecting; median of 5 runs, folds in 1 and in 2 threads)
   against ramp-workflow's ``blend_on_fold`` on each fold; selections compared.
2. N=100 and N=1,000 in memory (ours only): wall time of the blend.
3. N=1,000: one more submission, then the incremental re-blend.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from problems.kit import Kit, load_kit
from problems.kit.blending import Blender, SubmissionOutput
from worker.cli.blend_command import READ_THREADS, blend_kit, load_submission_outputs

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "HEP_detector_anomalies"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/HEP_detector_anomalies")

PROBLEM = """
import os
import pandas as pd
import rampwf as rw
from sklearn.model_selection import ShuffleSplit

problem_title = "HEP detector anomalies (blend benchmark)"
Predictions = rw.prediction_types.make_multiclass(label_names=[0, 1])
workflow = rw.workflows.Estimator()
score_types = [
    rw.score_types.NegativeLogLikelihood(name="nll"),
    rw.score_types.ROCAUC(name="auc"),
    rw.score_types.Accuracy(name="acc"),
]


def get_cv(X, y):
    return ShuffleSplit(n_splits=8, test_size=0.5, random_state=42).split(X)


def _read(path, name):
    data = pd.read_csv(os.path.join(path, "data", name))
    return data.drop(columns=["isSkewed"]), data["isSkewed"].to_numpy()


def get_train_data(path="."):
    return _read(path, "train.csv.gz")


def get_test_data(path="."):
    return _read(path, "test.csv.gz")
"""


class Stopwatch:
    """Wall and CPU seconds since creation (CPU: this process, all threads)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def seconds(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _fmt(times: tuple[float, float]) -> str:
    return f"{times[0]:7.2f} s (cpu {times[1]:6.2f} s)"


class Synthetic:
    """Deterministic synthetic P(isSkewed) for train and test rows, per submission."""

    def __init__(self, y_train: np.ndarray, y_test: np.ndarray, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.signal_train, self.signal_test = 2.0 * y_train - 1, 2.0 * y_test - 1
        self.shared_train = rng.normal(size=(6, len(y_train)))
        self.shared_test = rng.normal(size=(6, len(y_test)))

    def positive(self, index: int, quality: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(1000 + index)
        # Comparable qualities and mostly independent noise: averaging helps, so the
        # greedy ensembles grow (to dozens of members), as in a real event.
        drawn, group, shared = rng.uniform(0.5, 1.0), index % 6, rng.uniform(0.2, 0.8)
        quality = drawn if quality is None else quality
        out = []
        for signal, common in (
            (self.signal_train, self.shared_train),
            (self.signal_test, self.shared_test),
        ):
            noise = rng.normal(scale=1.5, size=len(signal))
            logit = quality * signal + shared * common[group] + noise
            out.append(1.0 / (1.0 + np.exp(-logit)))
        return out[0], out[1]


def _two_columns(positive: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - positive, positive])


def make_kit(root: Path, synthetic: Synthetic, n: int) -> Path:
    kit_dir = root / "hep_blend"
    (kit_dir / "data").mkdir(parents=True)
    for name in ("train.csv.gz", "test.csv.gz"):
        os.symlink(DATA / name, kit_dir / "data" / name)
    (kit_dir / "problem.py").write_text(PROBLEM, encoding="utf-8")
    for i in range(n):
        train, test = synthetic.positive(i)
        for fold in range(8):
            fold_dir = kit_dir / "submissions" / f"sub_{i:04d}" / "training_output" / f"fold_{fold}"
            fold_dir.mkdir(parents=True)
            # Fold models differ a little, as real fold models do.
            jitter = 1 + 0.01 * fold
            np.savez_compressed(fold_dir / "y_pred_train", y_pred=_two_columns(train**jitter))
            np.savez_compressed(fold_dir / "y_pred_test", y_pred=_two_columns(test**jitter))
    return kit_dir


def compare_with_ramp_blend(root: Path, synthetic: Synthetic) -> None:
    from rampwf.utils.combine import blend_on_fold
    from rampwf.utils.testing import blend_submissions

    kit_dir = make_kit(root, synthetic, 10)
    names = sorted(p.name for p in (kit_dir / "submissions").iterdir())
    watch = Stopwatch()
    ours = blend_kit(load_kit(kit_dir), names=names)
    ours_times = watch.seconds()
    watch = Stopwatch()
    with contextlib.redirect_stdout(io.StringIO()):
        blend_submissions(
            names,
            ramp_kit_dir=str(kit_dir),
            ramp_data_dir=str(kit_dir),
            ramp_submission_dir=str(kit_dir / "submissions"),
            save_output=True,
        )
    theirs_times = watch.seconds()
    output = kit_dir / "submissions" / "training_output"
    theirs = pd.read_csv(output / "contributivities.csv").set_index("submission")
    fold_columns = [c for c in theirs.columns if c.startswith("fold_")]
    identical = all(
        abs(ours.contributivity[name] - theirs.loc[name, fold_columns].sum()) < 1e-12
        for name in names
    )
    combined = pd.read_csv(output / "bagged_scores_combined.csv")
    their_valid = float(combined[combined.step == "valid"].nll.iloc[-1])
    print("N=10, 8 folds x 40,000 valid rows, official score NLL, float64 predictions")
    print(
        "  end to end (read data and saved predictions, blend, score; ours reads the\n"
        f"  predictions in {READ_THREADS} threads, blends in 1):"
    )
    print(f"    ramplab blend : {_fmt(ours_times)}")
    print(f"    ramp-blend    : {_fmt(theirs_times)}   ({_ratio(theirs_times, ours_times)})")
    print(
        f"  contributivities identical: {identical}; "
        f"ensemble sizes {[len(s) for s in ours.selections]}"
    )
    print(
        f"  combined valid nll: ours {ours.combined['valid']['nll']!r}, ramp-blend {their_valid!r}"
    )

    # The selection alone, on predictions already in memory.
    problem = load_kit(kit_dir)
    X_train, y_train = problem.get_train_data()
    valid_indices = [v for _, v in problem.get_cv(X_train, y_train)]
    outputs = load_submission_outputs(kit_dir / "submissions", names, valid_indices)
    ours_by_threads: dict[int, tuple[float, float]] = {}
    for n_jobs in (1, 2):
        select = functools.partial(
            _select_in_memory, problem, y_train, valid_indices, outputs, n_jobs
        )
        ours_by_threads[n_jobs] = _median_times(select)
    selections = _select_in_memory(problem, y_train, valid_indices, outputs, 1)
    watch = Stopwatch()
    theirs_selections = []
    with contextlib.redirect_stdout(io.StringIO()):
        for fold, valid_is in enumerate(valid_indices):
            predictions = [problem.Predictions(y_pred=o.valid[fold]) for o in outputs]
            truth = problem.Predictions(y_true=y_train, fold_is=valid_is)
            chosen = blend_on_fold(predictions, truth, problem.score_types[0])
            theirs_selections.append([int(i) for i in chosen])
    theirs_times = watch.seconds()
    print(
        "  selection only (predictions in memory; ours builds the truth, adds the members\n"
        f"  and selects, median of {_REPEATS} runs; theirs one run):"
    )
    for n_jobs, times in ours_by_threads.items():
        label = "1 thread " if n_jobs == 1 else f"{n_jobs} threads"
        print(f"    ramplab Blender, {label}: {_fmt_ms(times)}   ({_ratio(theirs_times, times)})")
    print(f"    rampwf blend_on_fold x8  : {_fmt(theirs_times)}")
    print(f"  identical selections: {selections == theirs_selections}")
    print(f"  load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


_REPEATS = 5


def _select_in_memory(
    problem: Kit,
    y_train: np.ndarray,
    valid_indices: list[np.ndarray],
    outputs: list[SubmissionOutput],
    n_jobs: int,
) -> list[list[int]]:
    """What the timed selection does: truth, members, selection (folds in threads)."""
    blender = Blender(
        Predictions=problem.Predictions,
        score_types=problem.score_types,
        y_train=y_train,
        valid_indices=valid_indices,
        n_jobs=n_jobs,
    )
    blender.add_many(outputs)
    return [s.members for s in blender.select()]


def _median_times(work: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU seconds of ``_REPEATS`` runs of ``work()``."""
    runs = []
    for _ in range(_REPEATS):
        watch = Stopwatch()
        work()
        runs.append(watch.seconds())
    walls, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
    return walls[len(runs) // 2], cpus[len(runs) // 2]


def _fmt_ms(times: tuple[float, float]) -> str:
    return f"{1e3 * times[0]:6.1f} ms (cpu {1e3 * times[1]:5.1f} ms)"


def _ratio(theirs: tuple[float, float], ours: tuple[float, float]) -> str:
    return f"{theirs[0] / ours[0]:.0f}x wall, {theirs[1] / ours[1]:.0f}x cpu"


def in_memory_blender(synthetic: Synthetic, y_train: np.ndarray, y_test: np.ndarray) -> tuple:
    import rampwf as rw

    problem = load_kit_module()
    X = np.zeros((len(y_train), 1))
    valid_indices = [v for _, v in problem.get_cv(X, y_train)]
    blender = Blender(
        Predictions=rw.prediction_types.make_multiclass(label_names=[0, 1]),
        score_types=problem.score_types,
        y_train=y_train,
        valid_indices=valid_indices,
        y_test=y_test,
        n_jobs=2,
    )
    return blender, valid_indices


def load_kit_module():  # type: ignore[no-untyped-def]
    namespace: dict[str, object] = {}
    exec(compile(PROBLEM, "problem.py", "exec"), namespace)
    return type("Problem", (), namespace)


def submission(
    synthetic: Synthetic, index: int, valid_indices: list, quality: float | None = None
) -> SubmissionOutput:
    train, test = synthetic.positive(index, quality)
    # Loaders keep only the positive column in memory, as a float32 vector.
    return SubmissionOutput(
        f"sub_{index:04d}",
        valid=[lambda v=v: _two_columns(train[v]) for v in valid_indices],
        test=[lambda: _two_columns(test)] * len(valid_indices),
    )


def bench_in_memory(
    synthetic: Synthetic, y_train: np.ndarray, y_test: np.ndarray, sizes: list[int]
) -> None:
    for n in sizes:
        blender, valid_indices = in_memory_blender(synthetic, y_train, y_test)
        outputs = [submission(synthetic, i, valid_indices) for i in range(n)]
        # What the synthetic loaders cost alone (the blend calls each at least once).
        watch = Stopwatch()
        for output in outputs:
            for load in output.valid:
                load()  # type: ignore[operator]
        loaders = watch.seconds()
        watch = Stopwatch()
        blender.add_many(outputs)
        loaded = watch.seconds()
        result = blender.blend()
        total = watch.seconds()
        sizes_ = [len(s) for s in result.selections]
        print(f"N={n}: blend {_fmt(total)}; of which adding {_fmt(loaded)}")
        print(f"  (the synthetic loaders alone, called once each: {_fmt(loaders)})")
        print(
            f"  ensemble sizes {sizes_}; combined valid nll {result.combined['valid']['nll']:.5f}"
        )
        if n == sizes[-1]:
            for label, index, quality in (
                ("a typical one", n, None),
                ("the best one yet", n + 1, 3.0),
            ):
                new = submission(synthetic, index, valid_indices, quality)
                watch = Stopwatch()
                blender.add(new)
                updated = blender.blend()
                times = watch.seconds()
                share = updated.contributivity[new.name]
                print(f"  update with {label} (N={n + 1}): {_fmt(times)}; its share {share:.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory: {peak:.1f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=10 against ramp-blend only")
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    args = parser.parse_args()
    y_train = pd.read_csv(DATA / "train.csv.gz", usecols=["isSkewed"])["isSkewed"].to_numpy()
    y_test = pd.read_csv(DATA / "test.csv.gz", usecols=["isSkewed"])["isSkewed"].to_numpy()
    synthetic = Synthetic(y_train, y_test)
    root = Path(tempfile.mkdtemp(prefix="ramplab-blend-bench-"))
    try:
        compare_with_ramp_blend(root, synthetic)
    finally:
        shutil.rmtree(root)
    if not args.quick:
        bench_in_memory(synthetic, y_train, y_test, args.sizes)


if __name__ == "__main__":
    main()
