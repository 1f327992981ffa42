"""Mars craters: find impact craters (centre and radius) in THEMIS infrared patches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import ShuffleSplit

from problems import kit
from problems.kit.predictions.detection import DetectionPredictions
from problems.kit.score_types.detection import (
    OSPA,
    SCP,
    DetectionAveragePrecision,
    DetectionPrecision,
    DetectionRecall,
    MADCenter,
    MADRadius,
)
from problems.kit.workflows.object_detector import ObjectDetector

problem_title = "Mars craters detection"

# Under --quick-test: the first rows of each split (the real mini patches come first).
QUICK_TRAIN_ROWS = 48
QUICK_TEST_ROWS = 40


class Predictions(DetectionPredictions):
    pass


workflow = ObjectDetector()

score_types = [
    DetectionAveragePrecision(name="ap"),
    OSPA(name="ospa"),
    SCP(name="scp"),
    *(DetectionPrecision(name=f"prec({t})", iou_threshold=t) for t in (0.0, 0.5, 0.9)),
    *(DetectionRecall(name=f"rec({t})", iou_threshold=t) for t in (0.0, 0.5, 0.9)),
    MADCenter(name="madc"),
    MADRadius(name="madr"),
]


def get_cv(X: Any, y: Any) -> Any:
    n_splits = 2 if kit.data.is_quick_test() else 3
    return ShuffleSplit(n_splits=n_splits, test_size=0.25, random_state=42).split(X)


def _craters_per_image(labels: pd.DataFrame, n_images: int) -> Any:
    craters = np.empty(n_images, dtype=object)
    for i in range(n_images):
        craters[i] = []
    for row in labels.itertuples():
        craters[int(row.i)].append((float(row.row_p), float(row.col_p), float(row.radius_p)))
    return craters


def _read(data_dir: Path, images_file: str, labels_file: str) -> tuple[Any, Any]:
    images = np.load(data_dir / images_file)
    return images, _craters_per_image(pd.read_csv(data_dir / labels_file), len(images))


def _ensure_synthetic(data_dir: Path) -> None:
    """Generate the synthetic splits on first use (a fresh clone does not have them)."""
    if (data_dir / "synthetic_test_labels.csv").is_file():
        return
    kit.data.load_prepare_data(Path(__file__).parent).write_synthetic(data_dir)


def _get_data(path: str, split: str, quick_rows: int) -> tuple[Any, Any]:
    data_dir = Path(path) / "data"
    if (data_dir / f"data_{split}.npy").is_file():  # the full data, from --real
        X, y = _read(data_dir, f"data_{split}.npy", f"labels_{split}.csv")
    else:
        _ensure_synthetic(data_dir)
        X_real, y_real = _read(data_dir, f"data_{split}_mini.npy", f"labels_{split}_mini.csv")
        X_syn, y_syn = _read(
            data_dir, f"synthetic_{split}_images.npy", f"synthetic_{split}_labels.csv"
        )
        X, y = np.concatenate([X_real, X_syn]), np.concatenate([y_real, y_syn])
    if kit.data.is_quick_test():
        X, y = X[:quick_rows], y[:quick_rows]
    return X, y


def get_train_data(path: str = ".") -> tuple[Any, Any]:
    return _get_data(path, "train", QUICK_TRAIN_ROWS)


def get_test_data(path: str = ".") -> tuple[Any, Any]:
    return _get_data(path, "test", QUICK_TEST_ROWS)
