"""Loading and validating a kit's ``problem.py``.

A broken kit is reported once, in one paragraph that names everything missing or
wrong, so an organiser fixes it in one pass rather than one error per run.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .protocols import Fold, PredictionsType, ScoreTypeLike, WorkflowLike

_REQUIRED_FUNCTIONS = ("get_cv", "get_train_data", "get_test_data")
_load_counter = itertools.count()


class KitError(Exception):
    """The kit cannot be used; the message says why, in one paragraph."""


@dataclass(frozen=True)
class Kit:
    """A validated problem kit: ``problem.py`` plus its folder.

    Use :func:`load_kit` to build one.
    """

    path: Path
    module: ModuleType
    title: str
    Predictions: PredictionsType
    workflow: WorkflowLike
    score_types: list[ScoreTypeLike]

    @property
    def element_names(self) -> list[str]:
        """The files a submission provides, without ``.py``."""
        return list(self.workflow.element_names)

    @property
    def submissions_dir(self) -> Path:
        return self.path / "submissions"

    def submission_names(self) -> list[str]:
        """Names of the submission folders shipped with the kit, sorted."""
        if not self.submissions_dir.is_dir():
            return []
        return sorted(p.name for p in self.submissions_dir.iterdir() if p.is_dir())

    def sandbox_data_paths(self, data_dir: str | Path | None = None) -> list[Path]:
        """Folders under ``<data_dir>/data`` that submissions read while they run.

        A kit whose X only *addresses* files on disk (images by id) names those folders
        in ``sandbox_data`` in problem.py. They must hold inputs only, never labels: the
        worker mounts them read-only, at the same path, inside the sandbox.
        """
        data_root = (Path(data_dir) if data_dir is not None else self.path).resolve() / "data"
        paths = []
        for name in getattr(self.module, "sandbox_data", ()):
            path = (data_root / name).resolve()
            if not path.is_relative_to(data_root) or path == data_root:
                raise KitError(
                    f"{self.title}: sandbox_data entry {name!r} must be a folder inside data/ "
                    "(the whole data folder holds the test labels)."
                )
            if not path.is_dir():
                raise KitError(f"{self.title}: sandbox_data folder {path} does not exist.")
            paths.append(path)
        return paths

    def get_train_data(self, data_dir: str | Path | None = None) -> tuple[Any, Any]:
        """``(X_train, y_train)`` read from ``data_dir`` (the kit folder by default)."""
        return self._read_data("get_train_data", data_dir)

    def get_test_data(self, data_dir: str | Path | None = None) -> tuple[Any, Any]:
        """``(X_test, y_test)`` read from ``data_dir`` (the kit folder by default)."""
        return self._read_data("get_test_data", data_dir)

    def get_cv(self, X: Any, y: Any) -> list[Fold]:
        """The cross-validation folds as ``(train_is, valid_is)`` index arrays."""
        try:
            folds = [
                (np.asarray(train_is), np.asarray(valid_is))
                for train_is, valid_is in self.module.get_cv(X, y)
            ]
        except Exception as error:
            raise KitError(f"{self.title}: get_cv failed: {_describe(error)}") from error
        n_rows = len(y)
        for i, (train_is, valid_is) in enumerate(folds):
            for name, rows in (("train", train_is), ("valid", valid_is)):
                if rows.dtype == bool:
                    continue
                if rows.size and (rows.min() < -n_rows or rows.max() >= n_rows):
                    raise KitError(
                        f"{self.title}: get_cv fold {i} has {name} indices outside "
                        f"the {n_rows} training rows."
                    )
        if not folds:
            raise KitError(f"{self.title}: get_cv returned no folds.")
        return folds

    def _read_data(self, function: str, data_dir: str | Path | None) -> tuple[Any, Any]:
        path = str(data_dir if data_dir is not None else self.path)
        try:
            X, y = getattr(self.module, function)(path=path)
        except FileNotFoundError as error:
            raise KitError(
                f"{self.title}: {function} could not find a data file "
                f"({error.filename or error}). Put the data under {path}/data "
                "(kits that generate or download data have a prepare_data.py)."
            ) from error
        except Exception as error:
            raise KitError(f"{self.title}: {function} failed: {_describe(error)}") from error
        if len(X) != len(y):
            raise KitError(
                f"{self.title}: {function} returned {len(X)} rows of X but {len(y)} labels."
            )
        return X, y


def load_kit(path: str | Path) -> Kit:
    """Import ``<path>/problem.py`` and check that it implements the RAMP protocol.

    Parameters
    ----------
    path : str or Path
        The kit folder.

    Returns
    -------
    Kit

    Raises
    ------
    KitError
        If the folder or ``problem.py`` is missing, does not import, or lacks part of
        the protocol. The message lists every problem found.

    Examples
    --------
    >>> kit = load_kit("problems/iris")
    >>> kit.title, kit.element_names
    ('Iris classification', ['estimator'])
    """
    kit_dir = Path(path).resolve()
    problem_file = kit_dir / "problem.py"
    if not kit_dir.is_dir():
        raise KitError(f"Kit folder {kit_dir} does not exist.")
    if not problem_file.is_file():
        raise KitError(f"{kit_dir} is not a kit: it has no problem.py.")
    module = _import_problem(problem_file)
    problems = list(_protocol_problems(module))
    if problems:
        raise KitError(
            f"{problem_file} does not implement the kit protocol: {'; '.join(problems)}."
        )
    return Kit(
        path=kit_dir,
        module=module,
        title=module.problem_title,
        Predictions=module.Predictions,
        workflow=module.workflow,
        score_types=list(module.score_types),
    )


def _import_problem(problem_file: Path) -> ModuleType:
    module_name = f"ramplab_problem_{next(_load_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, problem_file)
    if spec is None or spec.loader is None:
        raise KitError(f"Cannot import {problem_file}.")
    module = importlib.util.module_from_spec(spec)
    # Kits may import helper modules that sit next to problem.py.
    sys.path.insert(0, str(problem_file.parent))
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise KitError(
            f"{problem_file} has a syntax error at line {error.lineno}: {error.msg}."
        ) from error
    except ModuleNotFoundError as error:
        hint = (
            " It is a ramp-workflow kit: install it with pip install 'ramplab[rampwf]'."
            if error.name == "rampwf"
            else ""
        )
        raise KitError(f"{problem_file} could not be imported: {error}.{hint}") from error
    except Exception as error:
        raise KitError(f"{problem_file} failed while importing: {_describe(error)}") from error
    finally:
        sys.path.remove(str(problem_file.parent))
    return module


def _protocol_problems(module: ModuleType) -> Iterator[str]:
    title = getattr(module, "problem_title", None)
    if not isinstance(title, str) or not title.strip():
        yield "problem_title is missing or not a non-empty string"
    predictions = getattr(module, "Predictions", None)
    if predictions is None:
        yield "Predictions is missing"
    elif not callable(getattr(predictions, "combine", None)):
        yield "Predictions has no combine classmethod"
    workflow = getattr(module, "workflow", None)
    if workflow is None:
        yield "workflow is missing"
    else:
        for method in ("train_submission", "test_submission"):
            if not callable(getattr(workflow, method, None)):
                yield f"workflow has no {method} method"
        if not getattr(workflow, "element_names", None):
            yield "workflow has no element_names"
    yield from _score_type_problems(getattr(module, "score_types", None))
    for function in _REQUIRED_FUNCTIONS:
        if not callable(getattr(module, function, None)):
            yield f"{function}() is missing"


def _score_type_problems(score_types: Any) -> Iterator[str]:
    if not isinstance(score_types, list | tuple) or not score_types:
        yield "score_types is missing or empty (the first one is the official score)"
        return
    names: set[str] = set()
    for i, score_type in enumerate(score_types):
        missing = [
            attribute
            for attribute in ("name", "precision", "is_lower_the_better", "score_function")
            if not hasattr(score_type, attribute)
        ]
        if missing:
            yield f"score_types[{i}] lacks {', '.join(missing)}"
            continue
        if score_type.name in names:
            yield f"two score types are named {score_type.name!r}"
        names.add(score_type.name)


def _describe(error: BaseException) -> str:
    """The exception and the innermost line that raised it, in one line."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {error}{where}"
