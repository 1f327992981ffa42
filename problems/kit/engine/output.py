"""``--save-output``: ramp-test's ``training_output/`` layout, written and read.

Layout (identical to ``ramp-test --save-output``, so either tool reads the other's)::

    submissions/<name>/training_output/
        bagged_scores.csv            step,n_bag,<score>...   (valid and test curves)
        fold_<i>/y_pred_train.npz    np.savez_compressed(..., y_pred=...)
        fold_<i>/y_pred_test.npz
        fold_<i>/scores.csv          step,<score>...,time    (train, valid, test rows)
        fold_<i>/train_time | valid_time | test_time   (seconds, as text)
        fold_<i>/state.txt           "scored"
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .fold_pool import available_cpus
from .scoring import Scores, SubmissionScores
from .train import FoldPredictions, FoldTimes

_STEPS = ("train", "valid", "test")


def training_output_dir(submission_dir: str | Path) -> Path:
    """``<submission_dir>/training_output``."""
    return Path(submission_dir) / "training_output"


def _fold_scores_frame(scores: SubmissionScores, fold: int) -> pd.DataFrame:
    fold_scores = scores.folds[fold]
    rows = {}
    for step in _STEPS:
        values = fold_scores.step(step)
        if values:
            rows[step] = [values[name] for name in scores.score_names]
            rows[step].append(getattr(fold_scores.times, step))
    frame = pd.DataFrame.from_dict(
        rows, orient="index", columns=[*scores.score_names, "time"], dtype=float
    )
    frame.index.name = "step"
    return frame


def _bagged_frame(scores: SubmissionScores) -> pd.DataFrame:
    records = []
    for step, curve in (("valid", scores.bagged.valid_curve), ("test", scores.bagged.test_curve)):
        for n_bag, values in enumerate(curve):
            records.append([step, n_bag, *(values[name] for name in scores.score_names)])
    frame = pd.DataFrame.from_records(records, columns=["step", "n_bag", *scores.score_names])
    return frame.set_index(["step", "n_bag"])


def save_training_output(
    submission_dir: str | Path,
    scores: SubmissionScores,
    fold_predictions: Sequence[FoldPredictions],
) -> Path:
    """Write ``training_output/`` as ``ramp-test --save-output`` does; return its path."""
    output = training_output_dir(submission_dir)
    arrays = []
    for i, predictions in enumerate(fold_predictions):
        fold_dir = output / f"fold_{i}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        arrays.append((fold_dir / "y_pred_train", predictions.y_pred_train))
        if predictions.y_pred_test is not None:
            arrays.append((fold_dir / "y_pred_test", predictions.y_pred_test))
    # Compressing is most of the time here, and zlib releases the GIL.
    with ThreadPoolExecutor(max_workers=available_cpus()) as pool:
        list(pool.map(lambda job: np.savez_compressed(job[0], y_pred=job[1]), arrays))
    for i, predictions in enumerate(fold_predictions):
        fold_dir = output / f"fold_{i}"
        _fold_scores_frame(scores, i).to_csv(fold_dir / "scores.csv")
        for step in _STEPS:
            seconds = getattr(predictions.times, step)
            (fold_dir / f"{step}_time").write_text(str(seconds), encoding="utf-8")
        (fold_dir / "state.txt").write_text("scored", encoding="utf-8")
    _bagged_frame(scores).to_csv(output / "bagged_scores.csv")
    return output


@dataclass(frozen=True)
class FoldOutput:
    """One ``fold_<i>`` folder read back."""

    fold: int
    y_pred_train: NDArray[Any]
    y_pred_test: NDArray[Any] | None
    scores: dict[str, Scores]
    times: FoldTimes | None


@dataclass(frozen=True)
class TrainingOutput:
    """A ``training_output/`` folder read back (from ramplab or ramp-test)."""

    folds: list[FoldOutput]
    bagged_curves: dict[str, list[Scores]]

    @property
    def bagged(self) -> dict[str, Scores]:
        """The bagged score of all folds, per step (``valid``, ``test``)."""
        return {step: curve[-1] for step, curve in self.bagged_curves.items() if curve}


def _read_y_pred(path: Path, allow_pickle: bool) -> NDArray[Any] | None:
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=allow_pickle) as archive:
        return np.asarray(archive["y_pred"])


def _read_time(path: Path) -> float | None:
    try:
        return float(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _read_fold(fold_dir: Path, fold: int, allow_pickle: bool) -> FoldOutput:
    y_pred_train = _read_y_pred(fold_dir / "y_pred_train.npz", allow_pickle)
    if y_pred_train is None:
        raise FileNotFoundError(f"{fold_dir / 'y_pred_train.npz'} is missing.")
    scores: dict[str, Scores] = {}
    scores_file = fold_dir / "scores.csv"
    if scores_file.is_file():
        frame = pd.read_csv(scores_file, index_col=0)
        frame = frame.drop(columns=["time"], errors="ignore")
        scores = {
            str(step): {str(k): float(v) for k, v in row.items()} for step, row in frame.iterrows()
        }
    times = [_read_time(fold_dir / f"{step}_time") for step in _STEPS]
    fold_times = None
    if times[0] is not None and times[1] is not None:
        fold_times = FoldTimes(train=times[0], valid=times[1], test=times[2] or 0.0)
    return FoldOutput(
        fold=fold,
        y_pred_train=y_pred_train,
        y_pred_test=_read_y_pred(fold_dir / "y_pred_test.npz", allow_pickle),
        scores=scores,
        times=fold_times,
    )


def read_bagged_scores(path: str | Path) -> dict[str, list[Scores]]:
    """Read a ``bagged_scores.csv``: ``{step: [scores of the first n_bag + 1 folds]}``."""
    frame = pd.read_csv(path, index_col=[0, 1])
    curves: dict[str, list[Scores]] = {}
    ordered = frame.sort_index(level=1, sort_remaining=False)
    for key, row in ordered.iterrows():
        step = key[0] if isinstance(key, tuple) else key
        curves.setdefault(str(step), []).append({str(k): float(v) for k, v in row.items()})
    return curves


def saved_fold_dirs(output_dir: Path) -> list[Path]:
    """The ``fold_<i>`` folders of a ``training_output`` folder, in fold order.

    Raises FileNotFoundError when the folder does not exist.
    """
    if not output_dir.is_dir():
        raise FileNotFoundError(f"{output_dir} does not exist: run with --save-output first.")
    numbers = sorted(
        int(match.group(1))
        for child in output_dir.iterdir()
        if child.is_dir() and (match := re.fullmatch(r"fold_(\d+)", child.name))
    )
    return [output_dir / f"fold_{number}" for number in numbers]


def read_training_output(
    submission_dir: str | Path, *, allow_pickle: bool = False
) -> TrainingOutput:
    """Read ``<submission_dir>/training_output`` written by ramplab or ramp-test.

    Parameters
    ----------
    submission_dir : str or Path
        The submission folder (or its ``training_output`` folder itself).
    allow_pickle : bool
        Object arrays in ``.npz`` files are pickles; only read them from trusted files.

    Raises
    ------
    FileNotFoundError
        When there is no training output or a fold lacks ``y_pred_train.npz``.
    """
    folder = Path(submission_dir)
    if folder.name != "training_output":
        folder = training_output_dir(folder)
    folds = [
        _read_fold(fold_dir, int(fold_dir.name.removeprefix("fold_")), allow_pickle)
        for fold_dir in saved_fold_dirs(folder)
    ]
    bagged_file = folder / "bagged_scores.csv"
    curves = read_bagged_scores(bagged_file) if bagged_file.is_file() else {}
    return TrainingOutput(folds=folds, bagged_curves=curves)
