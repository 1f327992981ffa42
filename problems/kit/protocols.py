"""The RAMP kit protocol as typed ``Protocol`` classes.

ramp-workflow leaves these contracts implicit; the engine, the runner and the blender
are written against the protocols below, so a kit written with ``problems.kit`` and a
kit written for ramp-workflow (``import rampwf as rw``) go through the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

Indices = NDArray[np.intp]
Fold = tuple[Indices, Indices]


@runtime_checkable
class PredictionsLike(Protocol):
    """An instance of a kit's ``Predictions`` type: predictions or ground truth.

    ``y_pred`` is the array view that score types read. Rows not predicted by any
    member of a combination are NaN, and ``valid_indexes`` masks them out.
    """

    y_pred: Any

    @property
    def valid_indexes(self) -> NDArray[np.bool_]: ...

    def set_valid_in_train(self, predictions: PredictionsLike, test_is: Any) -> None: ...

    def set_slice(self, valid_indexes: Any) -> None: ...


class PredictionsType(Protocol):
    """The kit's ``Predictions`` class itself.

    Built from exactly one of ``y_pred`` (a model's output), ``y_true`` (ground truth)
    or ``n_samples`` (an empty, all-NaN container), optionally restricted to the rows
    in ``fold_is``.
    """

    def __call__(
        self,
        y_pred: Any = None,
        y_true: Any = None,
        n_samples: int | None = None,
        fold_is: Any = None,
    ) -> PredictionsLike: ...

    def combine(
        self, predictions_list: Sequence[PredictionsLike], index_list: Any = None
    ) -> PredictionsLike: ...


@runtime_checkable
class ScoreTypeLike(Protocol):
    """A score type: ground truth first, then predictions (both ``Predictions``)."""

    name: str
    precision: int
    is_lower_the_better: bool
    minimum: float
    maximum: float

    def score_function(
        self, ground_truths: PredictionsLike, predictions: PredictionsLike
    ) -> float: ...


@runtime_checkable
class WorkflowLike(Protocol):
    """Trains a submission on some rows and predicts with the trained model.

    ``element_names`` are the submission's files without extension (``classifier``,
    ``feature_extractor``...); they are what the browser editor shows.
    """

    element_names: Sequence[str]

    def train_submission(self, module_path: str, X: Any, y: Any, train_is: Any = None) -> Any: ...

    def test_submission(self, trained_model: Any, X: Any) -> Any: ...


class ProblemModule(Protocol):
    """What ``problem.py`` exposes (checked by ``problems.kit.load_kit``)."""

    problem_title: str
    Predictions: PredictionsType
    workflow: WorkflowLike
    score_types: Sequence[ScoreTypeLike]

    def get_cv(self, X: Any, y: Any) -> Iterable[Fold]: ...

    def get_train_data(self, path: str = ".") -> tuple[Any, Any]: ...

    def get_test_data(self, path: str = ".") -> tuple[Any, Any]: ...
