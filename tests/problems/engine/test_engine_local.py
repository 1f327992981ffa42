"""Local runs: parallel folds give the sequential numbers; quick tests; progress."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from problems.kit import Kit, KitError, load_kit
from problems.kit.engine import (
    FailureKind,
    FoldEvent,
    SubmissionFailure,
    load_kit_data,
    run_submission_locally,
)
from problems.kit.engine.local import KitData

TINY_KIT = Path(__file__).parents[2] / "fixtures" / "tiny_kit"
STARTING_KIT = TINY_KIT / "submissions" / "starting_kit"


@pytest.fixture(scope="module")
def kit() -> Kit:
    return load_kit(TINY_KIT)


@pytest.fixture(scope="module")
def data(kit: Kit) -> KitData:
    return load_kit_data(kit)


def test_parallel_folds_give_the_sequential_scores(kit: Kit, data: KitData) -> None:
    events: list[FoldEvent] = []
    sequential, _ = run_submission_locally(kit, STARTING_KIT, data, n_jobs=1)
    parallel, predictions = run_submission_locally(
        kit, STARTING_KIT, data, n_jobs=2, progress=events.append
    )
    assert parallel.bagged == sequential.bagged
    assert [f.valid for f in parallel.folds] == [f.valid for f in sequential.folds]
    assert [p.fold for p in predictions] == [0, 1, 2, 3]
    assert sorted((e.kind, e.fold) for e in events) == sorted(
        [("started", i) for i in range(4)] + [("finished", i) for i in range(4)]
    )
    assert all(e.n_folds == 4 for e in events)


def test_a_failing_fold_stops_the_parallel_run(kit: Kit, data: KitData) -> None:
    with pytest.raises(SubmissionFailure) as caught:
        run_submission_locally(kit, TINY_KIT / "submissions" / "fit_error", data, n_jobs=2)
    assert caught.value.kind == FailureKind.TRAINING_ERROR
    assert "this model cannot learn" in caught.value.report.traceback


def test_a_worker_that_dies_is_a_training_error(kit: Kit, data: KitData, tmp_path: Path) -> None:
    folder = tmp_path / "dies"
    folder.mkdir()
    (folder / "estimator.py").write_text("import os\n\ndef get_estimator():\n    os._exit(3)\n")
    with pytest.raises(SubmissionFailure) as caught:
        run_submission_locally(kit, folder, data, n_jobs=2)
    assert caught.value.kind == FailureKind.TRAINING_ERROR
    assert "exit code 3" in caught.value.report.message


def test_quick_test_uses_the_kits_test_mode_and_two_folds(kit: Kit) -> None:
    os.environ.pop("RAMP_TEST_MODE", None)
    data = load_kit_data(kit, quick_test=True)
    assert len(data.y_train) == 40  # the tiny kit keeps 40 rows under RAMP_TEST_MODE
    assert len(data.folds) == 2
    assert "RAMP_TEST_MODE" not in os.environ
    scores, _ = run_submission_locally(kit, STARTING_KIT, data, n_jobs=1)
    assert len(scores.folds) == 2
    assert np.isfinite(list(scores.bagged.test.values())).all()


def test_missing_data_is_a_kit_error(kit: Kit, tmp_path: Path) -> None:
    with pytest.raises(KitError, match="data file"):
        load_kit_data(kit, tmp_path)
