"""Put the Mars craters data in place: ``python problems/mars_craters/prepare_data.py``.

Offline by default: writes a seeded synthetic set (shaded crater rims on noisy
terrain) next to the real mini set that ships with the kit::

    data/synthetic_{train,test}_images.npy   uint8, (n, 224, 224)
    data/synthetic_{train,test}_labels.csv   columns i, row_p, col_p, radius_p

With ``--real PATH`` it copies the full public data instead (``data_train.npy``,
``data_test.npy``, ``labels_train.csv``, ``labels_test.csv``, as the original RAMP
kit's ``download_data.py`` leaves them) into ``data/``; ``problem.py`` then uses it.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter

PATCH_SIZE = 224
DATA_DIR = Path(__file__).resolve().parent / "data"
REAL_FILES = ("data_train.npy", "data_test.npy", "labels_train.csv", "labels_test.csv")
# (number of patches, seed) of each synthetic split.
SPLITS = {"train": (400, 20160511), "test": (120, 20160512)}


def crater_height(
    rows: NDArray[np.float64], cols: NDArray[np.float64], row: float, col: float, radius: float
) -> NDArray[np.float64]:
    """Height of a simple crater: a parabolic bowl inside a raised rim.

    Heights scale with the radius, so slopes (what shading shows) do not depend on size.
    """
    distance = np.hypot(rows - row, cols - col) / radius
    bowl = np.where(distance < 1.0, -0.5 * radius * (1.0 - distance**2), 0.0)
    rim = 0.12 * radius * np.exp(-(((distance - 1.0) / 0.18) ** 2))
    return np.asarray(bowl + rim)


def make_patch(
    rng: np.random.Generator, n_craters: int
) -> tuple[NDArray[np.uint8], list[tuple[float, float, float]]]:
    """One shaded 224x224 patch and its craters ``(row, col, radius)``."""
    rows, cols = np.mgrid[:PATCH_SIZE, :PATCH_SIZE].astype(float)
    terrain = gaussian_filter(rng.normal(size=(PATCH_SIZE, PATCH_SIZE)), rng.uniform(2.0, 6.0))
    height = terrain / terrain.std() * rng.uniform(0.4, 1.5)
    craters = []
    for _ in range(n_craters):
        # Log-uniform radii: small craters are more common, as on Mars.
        radius = float(np.exp(rng.uniform(np.log(5.0), np.log(28.0))))
        row, col = (float(v) for v in rng.uniform(0, PATCH_SIZE, size=2))
        height += crater_height(rows, cols, row, col, radius)
        craters.append((round(row, 1), round(col, 1), round(radius, 2)))
    sun = rng.uniform(0, 2 * np.pi)
    d_row, d_col = np.gradient(height)
    shading = np.cos(sun) * d_row + np.sin(sun) * d_col
    image = 120 + 60 * shading + rng.normal(0, rng.uniform(4, 12), size=shading.shape)
    return np.clip(image, 0, 255).astype(np.uint8), craters


def make_split(n_patches: int, seed: int) -> tuple[NDArray[np.uint8], pd.DataFrame]:
    """``n_patches`` patches, about half of them without any crater."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for i in range(n_patches):
        n_craters = 0 if rng.random() < 0.5 else int(rng.integers(1, 6))
        image, craters = make_patch(rng, n_craters)
        images.append(image)
        labels.extend({"i": i, "row_p": r, "col_p": c, "radius_p": rad} for r, c, rad in craters)
    frame = pd.DataFrame(labels, columns=["i", "row_p", "col_p", "radius_p"])
    return np.stack(images), frame


def write_synthetic(data_dir: Path = DATA_DIR) -> None:
    """Generate the synthetic train and test splits into ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for split, (n_patches, seed) in SPLITS.items():
        images, labels = make_split(n_patches, seed)
        np.save(data_dir / f"synthetic_{split}_images.npy", images)
        labels.to_csv(data_dir / f"synthetic_{split}_labels.csv", index=False)


def copy_real(source: Path, data_dir: Path = DATA_DIR) -> None:
    """Copy the full public data files from ``source`` into ``data_dir``."""
    missing = [name for name in REAL_FILES if not (source / name).is_file()]
    if missing:
        raise SystemExit(f"{source} lacks {', '.join(missing)} (expected {', '.join(REAL_FILES)}).")
    for name in REAL_FILES:
        shutil.copyfile(source / name, data_dir / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=Path, help="folder holding the full public data")
    arguments = parser.parse_args()
    if arguments.real:
        copy_real(arguments.real)
    else:
        write_synthetic()


if __name__ == "__main__":
    main()
