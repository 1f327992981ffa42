"""A ramp-workflow kit runs unchanged and gives ramp-test's numbers.

Both tools run inside the test, on copies of the titanic fixture kit, with
``--save-output``; their ``training_output/`` folders must agree to 1e-9.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from problems.kit.engine import read_training_output

FIXTURE = Path(__file__).parents[1] / "fixtures" / "rampwf_titanic"
# The ramp-test next to this interpreter: same numpy/pandas/scikit-learn as ramplab.
RAMP_TEST = Path(sys.executable).parent / "ramp-test"
RAMPLAB = Path(sys.executable).parent / "ramplab"

# The rampwf extra is part of the test setup: a missing ramp-test fails, never skips.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    kits = {}
    for tool in ("ramp-test", "ramplab"):
        kits[tool] = tmp_path_factory.mktemp(tool) / "titanic"
        shutil.copytree(FIXTURE, kits[tool])
    subprocess.run(
        [str(RAMP_TEST), "--submission", "starting_kit", "--save-output"],
        cwd=kits["ramp-test"],
        check=True,
        capture_output=True,
    )
    ramplab_args = ["--submission", "starting_kit", "--save-output", "--json", "scores.json"]
    subprocess.run(
        [str(RAMPLAB), "test", *ramplab_args, "--n-jobs", "2"],
        cwd=kits["ramplab"],
        check=True,
        capture_output=True,
    )
    return kits


def test_bagged_scores_equal_ramp_tests(outputs: dict[str, Path]) -> None:
    submission = Path("submissions") / "starting_kit"
    theirs = read_training_output(outputs["ramp-test"] / submission)
    ours = read_training_output(outputs["ramplab"] / submission)
    assert set(theirs.bagged_curves) == {"valid", "test"}
    assert len(theirs.bagged_curves["valid"]) == 8
    for step, curve in theirs.bagged_curves.items():
        assert len(ours.bagged_curves[step]) == len(curve)
        for their_scores, our_scores in zip(curve, ours.bagged_curves[step]):
            assert our_scores.keys() == their_scores.keys()
            for name, value in their_scores.items():
                assert our_scores[name] == pytest.approx(value, abs=1e-9, rel=0)
    document = json.loads((outputs["ramplab"] / "scores.json").read_text())
    for step in ("valid", "test"):
        for name, value in theirs.bagged[step].items():
            assert document["bagged"][step][name] == pytest.approx(value, abs=1e-9, rel=0)


def test_fold_scores_and_predictions_equal_ramp_tests(outputs: dict[str, Path]) -> None:
    submission = Path("submissions") / "starting_kit"
    theirs = read_training_output(outputs["ramp-test"] / submission)
    ours = read_training_output(outputs["ramplab"] / submission)
    assert len(ours.folds) == len(theirs.folds) == 8
    for their_fold, our_fold in zip(theirs.folds, ours.folds):
        assert our_fold.y_pred_train.shape == their_fold.y_pred_train.shape
        assert abs(our_fold.y_pred_train - their_fold.y_pred_train).max() <= 1e-9
        for step, scores in their_fold.scores.items():
            for name, value in scores.items():
                assert our_fold.scores[step][name] == pytest.approx(value, abs=1e-9, rel=0)
