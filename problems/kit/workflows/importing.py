"""Loading a submission's files as Python modules."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

# Every load gets a fresh module name: two submissions (or two folds of one) must
# never share a cached module, and the name stays readable in tracebacks.
_load_counter = itertools.count()


class SubmissionFileMissing(FileNotFoundError):
    """A workflow element's file is absent from the submission."""


def import_element(module_path: str | Path, element_name: str) -> ModuleType:
    """Import ``<module_path>/<element_name>.py`` as a new module and return it."""
    source = Path(module_path) / f"{element_name}.py"
    if not source.is_file():
        raise SubmissionFileMissing(f"The submission has no {source.name} (looked in {source}).")
    module_name = f"submission_{element_name}_{next(_load_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, source)
    if spec is None or spec.loader is None:
        raise ImportError(f"Cannot import {source}.")
    module = importlib.util.module_from_spec(spec)
    # Registered so that pickling and dataclasses inside the submission work.
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def take_rows(data: Any, rows: Any) -> Any:
    """Rows ``rows`` of a DataFrame, Series, array or list (all rows when None)."""
    if rows is None:
        return data
    if isinstance(data, pd.DataFrame | pd.Series):
        return data.iloc[rows]
    if isinstance(data, list):
        return [data[i] for i in np.asarray(rows)]
    return data[rows]
