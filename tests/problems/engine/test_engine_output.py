"""--save-output: ramp-test's training_output layout, written and read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from problems.kit import load_kit
from problems.kit.engine import (
    load_kit_data,
    read_training_output,
    run_submission_locally,
    save_training_output,
)

TINY_KIT = Path(__file__).parents[2] / "fixtures" / "tiny_kit"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    submission = tmp_path_factory.mktemp("output") / "starting_kit"
    shutil.copytree(TINY_KIT / "submissions" / "starting_kit", submission)
    kit = load_kit(TINY_KIT)
    scores, predictions = run_submission_locally(kit, submission, load_kit_data(kit), n_jobs=1)
    save_training_output(submission, scores, predictions)
    return submission, scores, predictions


def test_layout_is_ramp_tests(saved) -> None:  # type: ignore[no-untyped-def]
    submission, _, _ = saved
    output = submission / "training_output"
    assert sorted(p.name for p in output.iterdir()) == [
        "bagged_scores.csv",
        "fold_0",
        "fold_1",
        "fold_2",
        "fold_3",
    ]
    assert sorted(p.name for p in (output / "fold_0").iterdir()) == [
        "scores.csv",
        "state.txt",
        "test_time",
        "train_time",
        "valid_time",
        "y_pred_test.npz",
        "y_pred_train.npz",
    ]
    with np.load(output / "fold_0" / "y_pred_train.npz") as archive:
        assert list(archive.keys()) == ["y_pred"]
        assert archive["y_pred"].shape == (80, 2)
    fold_scores = pd.read_csv(output / "fold_0" / "scores.csv")
    assert list(fold_scores.columns) == ["step", "acc", "nll", "time"]
    assert list(fold_scores["step"]) == ["train", "valid", "test"]
    bagged = pd.read_csv(output / "bagged_scores.csv")
    assert list(bagged.columns) == ["step", "n_bag", "acc", "nll"]
    assert list(bagged["step"]) == ["valid"] * 4 + ["test"] * 4
    assert list(bagged["n_bag"]) == [0, 1, 2, 3] * 2


def test_reader_gives_back_what_was_written(saved) -> None:  # type: ignore[no-untyped-def]
    submission, scores, predictions = saved
    output = read_training_output(submission)
    assert output.bagged == {"valid": scores.bagged.valid, "test": scores.bagged.test}
    assert output.bagged_curves["valid"] == scores.bagged.valid_curve
    assert len(output.folds) == 4
    np.testing.assert_array_equal(output.folds[2].y_pred_train, predictions[2].y_pred_train)
    assert output.folds[2].scores["valid"] == scores.folds[2].valid
    assert output.folds[2].times == predictions[2].times


def test_reader_explains_a_missing_output(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="--save-output"):
        read_training_output(tmp_path)
