"""What scoring produces: plain, JSON-able dataclasses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .train import FoldTimes

Scores = dict[str, float]


@dataclass(frozen=True)
class FoldScores:
    """One fold's scores per step (``train``, ``valid``, ``test``) and its times."""

    fold: int
    train: Scores
    valid: Scores
    test: Scores
    times: FoldTimes

    def step(self, name: str) -> Scores:
        """The scores of step ``name`` (``train``, ``valid`` or ``test``)."""
        scores: Scores = getattr(self, name)
        return scores


@dataclass(frozen=True)
class BaggedScores:
    """Scores of the fold models combined.

    ``valid_curve[i]`` / ``test_curve[i]`` score the combination of the first
    ``i + 1`` folds (ramp-test's ``n_bag``); ``valid`` and ``test`` are the last.
    """

    valid_curve: list[Scores]
    test_curve: list[Scores] = field(default_factory=list)

    @property
    def valid(self) -> Scores:
        return self.valid_curve[-1] if self.valid_curve else {}

    @property
    def test(self) -> Scores:
        return self.test_curve[-1] if self.test_curve else {}


@dataclass(frozen=True)
class SubmissionScores:
    """Everything ``ramplab test`` reports about one submission."""

    score_names: list[str]
    precisions: list[int]
    folds: list[FoldScores]
    bagged: BaggedScores

    def to_json(self) -> dict[str, Any]:
        """``{"folds": [{"train":…, "valid":…, "test":…, "times":…}], "bagged": …}``."""
        return {
            "folds": [
                {
                    "train": fold.train,
                    "valid": fold.valid,
                    "test": fold.test,
                    "times": asdict(fold.times),
                }
                for fold in self.folds
            ],
            "bagged": {"valid": self.bagged.valid, "test": self.bagged.test},
        }

    def mean_std(self, step: str) -> dict[str, tuple[float, float]]:
        """Mean and (population) standard deviation over folds, per score and ``time``."""
        columns: dict[str, list[float]] = {name: [] for name in self.score_names}
        columns["time"] = []
        for fold in self.folds:
            for name, value in fold.step(step).items():
                columns[name].append(value)
            columns["time"].append(getattr(fold.times, step))
        return {
            name: (float(np.mean(values)), float(np.std(values)))
            for name, values in columns.items()
            if values
        }
