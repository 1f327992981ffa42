"""Put the EROS-1 variable-star data in ``data/`` (it ships with the kit).

    python prepare_data.py                 # copy from ../shared/data/variable_stars
    python prepare_data.py --real PATH     # copy from PATH, e.g. a clone of the
                                           # public ramp-kits/variable_stars data/

The kit's ``data/`` already holds the four files, so this is needed only to restore
or replace them. It checks that each file is there and that train and test list the
same stars in their static and light-curve files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

KIT_DIR = Path(__file__).resolve().parent
FILES = (
    "train.csv",
    "test.csv",
    "train_varlength_features.csv.gz",
    "test_varlength_features.csv.gz",
)
DEFAULT_SOURCES = (
    KIT_DIR.parents[1] / "shared" / "data" / "variable_stars",
    KIT_DIR.parents[2] / "shared" / "data" / "variable_stars",
)


def check(data_dir: Path) -> None:
    """Raise ``ValueError`` unless ``data_dir`` holds consistent kit files."""
    missing = [name for name in FILES if not (data_dir / name).is_file()]
    if missing:
        raise ValueError(f"{data_dir} lacks {', '.join(missing)}.")
    for name in ("train", "test"):
        static = pd.read_csv(data_dir / f"{name}.csv", index_col=0, usecols=[0])
        curves = pd.read_csv(data_dir / f"{name}_varlength_features.csv.gz", usecols=[0])
        if set(static.index) != set(curves.iloc[:, 0]):
            raise ValueError(f"{name}.csv and its light curves list different stars.")


def copy_data(source: Path, data_dir: Path = KIT_DIR / "data") -> None:
    """Copy the four files from ``source`` into ``data_dir`` and check them."""
    check(source)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if (source / name).resolve() != (data_dir / name).resolve():
            shutil.copyfile(source / name, data_dir / name)
    check(data_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=Path, help="a folder holding the four data files")
    parser.add_argument("--data-dir", type=Path, default=KIT_DIR / "data")
    arguments = parser.parse_args(argv)
    source = arguments.real
    if source is None:
        source = next((path for path in DEFAULT_SOURCES if path.is_dir()), None)
    if source is None:
        check(arguments.data_dir)
        print(f"{arguments.data_dir} already holds the data.")
        return 0
    copy_data(source, arguments.data_dir)
    print(f"Copied the variable-star data from {source} to {arguments.data_dir}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
