"""Helpers for a kit's ``get_train_data`` / ``get_test_data``."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pandas as pd

QUICK_TEST_VARIABLE = "RAMP_TEST_MODE"
"""Set by ``ramplab test --quick-test`` (and by ``ramp-test --quick-test``): kits then
return a small subset of their data so a check runs in seconds."""


def is_quick_test() -> bool:
    """Whether the kit should load only a small subset of its data."""
    return bool(os.environ.get(QUICK_TEST_VARIABLE))


def read_csv_split(
    path: str | Path, file_name: str, *, target: str, quick_rows: int = 100
) -> tuple[pd.DataFrame, pd.Series]:
    """Read ``<path>/data/<file_name>`` and split off the ``target`` column.

    Parameters
    ----------
    path : str or Path
        The data folder's parent (the kit folder, by default).
    file_name : str
        A CSV file in ``data/`` (compressed files are read transparently).
    target : str
        The label column, returned separately.
    quick_rows : int
        Rows kept under ``--quick-test``.

    Returns
    -------
    X : DataFrame
    y : Series
    """
    data = pd.read_csv(Path(path) / "data" / file_name)
    if is_quick_test():
        data = data.head(quick_rows)
    return data.drop(columns=[target]), data[target]


def load_prepare_data(kit_dir: str | Path) -> ModuleType:
    """Import ``<kit_dir>/prepare_data.py``, the script that puts a kit's data in place.

    Kits that generate their data call it on first use, so a fresh clone works without
    a manual step. It is loaded by path, under a name of its own: a plain
    ``import prepare_data`` could pick up another kit's.

    Parameters
    ----------
    kit_dir : str or Path
        The kit folder.

    Returns
    -------
    module
    """
    script = Path(kit_dir) / "prepare_data.py"
    spec = importlib.util.spec_from_file_location(f"prepare_data_{Path(kit_dir).name}", script)
    if spec is None or spec.loader is None:
        raise ImportError(f"Cannot import {script}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
