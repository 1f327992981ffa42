"""Pollenating insects: name the insect in a photograph taken on a flower."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from problems import kit
from problems.kit.workflows.image_classifier import ImageClassifier, ImageSet

problem_title = "Pollenating insects classification"

N_CLASSES = 18
# X holds image ids and this folder; submissions read the images while they run, so
# the worker mounts it (read-only) in the sandbox. It holds no labels.
sandbox_data = ["imgs"]
# Under --quick-test: the first rows of each split (the CSVs are shuffled).
QUICK_ROWS = 64


class Predictions(kit.predictions.Multiclass):
    label_names = tuple(range(N_CLASSES))


workflow = ImageClassifier(label_names=Predictions.label_names)

score_types = [
    kit.score_types.Accuracy(name="accuracy", precision=3),
    kit.score_types.NegativeLogLikelihood(name="nll", precision=3),
    kit.score_types.F1Above(name="f1_70", threshold=0.7, precision=3),
]


def get_cv(X: Any, y: Any) -> Any:
    n_splits = 2 if kit.data.is_quick_test() else 3
    # Stratified shuffles keep rare classes in every training fold when they can be;
    # the rarest ones (fewer images than folds need) fall back to a plain shuffle.
    counts = pd.Series(np.asarray(y)).value_counts()
    if counts.min() < 2:
        return ShuffleSplit(n_splits=n_splits, test_size=0.25, random_state=7).split(y)
    cv = StratifiedShuffleSplit(n_splits=n_splits, test_size=0.25, random_state=7)
    return cv.split(np.zeros(len(y)), y)


def _ensure_data(data_dir: Path) -> None:
    """Draw the synthetic images on first use (a fresh clone does not have them)."""
    if (data_dir / "test.csv").is_file():
        return
    kit.data.load_prepare_data(Path(__file__).parent).write_synthetic(data_dir)


def _get_data(path: str, file_name: str) -> tuple[ImageSet, Any]:
    data_dir = Path(path) / "data"
    _ensure_data(data_dir)
    labels = pd.read_csv(data_dir / file_name, dtype={"id": str})
    if kit.data.is_quick_test():
        labels = labels.head(QUICK_ROWS)
    images = ImageSet(str((data_dir / "imgs").resolve()), labels["id"].to_numpy())
    return images, labels["class"].to_numpy()


def get_train_data(path: str = ".") -> tuple[ImageSet, Any]:
    return _get_data(path, "train.csv")


def get_test_data(path: str = ".") -> tuple[ImageSet, Any]:
    return _get_data(path, "test.csv")
