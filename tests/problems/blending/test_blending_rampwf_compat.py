"""The blend gives ramp-blend's answers on the same saved predictions.

The ``slow`` tests run ``ramp-blend --save-output`` as a subprocess (about 15 s).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rampwf.utils.combine as rampwf_combine

from problems.kit import load_kit
from problems.kit.blending import Blender, BlendResult
from worker.cli.blend_command import blend_kit, load_submission_outputs


def _blender(kit_dir: Path, names: list[str], score_type_index: int) -> tuple[Blender, list]:
    kit = load_kit(kit_dir)
    X_train, y_train = kit.get_train_data()
    valid_indices = [valid_is for _, valid_is in kit.get_cv(X_train, y_train)]
    blender = Blender(
        Predictions=kit.Predictions,
        score_types=kit.score_types,
        y_train=y_train,
        valid_indices=valid_indices,
        y_test=kit.get_test_data()[1],
        score_type_index=score_type_index,
    )
    blender.add_many(load_submission_outputs(kit.submissions_dir, names, valid_indices))
    return blender, valid_indices


@pytest.mark.parametrize("score_type_index", [0, 1, 2], ids=["auc", "accuracy", "nll"])
def test_each_fold_selects_the_same_ensemble_as_rampwf_blend_on_fold(
    titanic_blend_kit: tuple[Path, list[str]], score_type_index: int
) -> None:
    kit_dir, names = titanic_blend_kit
    blender, valid_indices = _blender(kit_dir, names, score_type_index)
    result = blender.blend()
    assert all(blender.uses_fast_path)
    kit = load_kit(kit_dir)
    _, y_train = kit.get_train_data()
    for fold, valid_is in enumerate(valid_indices):
        predictions = [kit.Predictions(y_pred=s.valid[fold]) for s in blender.submissions]
        truth = kit.Predictions(y_true=y_train, fold_is=valid_is)
        with contextlib.redirect_stdout(io.StringIO()):
            expected = rampwf_combine.blend_on_fold(
                predictions, truth, kit.score_types[score_type_index]
            )
        assert result.selections[fold] == [int(i) for i in expected], f"fold {fold}"


def _run_ramp_blend(kit_dir: Path, names: list[str]) -> Path:
    ramp_blend = Path(sys.executable).with_name("ramp-blend")
    if not ramp_blend.exists():
        ramp_blend = Path(shutil.which("ramp-blend") or "ramp-blend")
    submissions_dir = kit_dir / "submissions"
    subprocess.run(
        [
            str(ramp_blend),
            "--ramp-kit-dir",
            str(kit_dir),
            "--ramp-data-dir",
            str(kit_dir),
            "--ramp-submission-dir",
            str(submissions_dir),
            "--submissions",
            repr(names),
            "--save-output",
        ],
        check=True,
        capture_output=True,
        cwd=kit_dir,
    )
    return submissions_dir / "training_output"


@pytest.fixture(scope="module")
def ramp_blend_run(titanic_blend_kit: tuple[Path, list[str]]) -> tuple[Path, BlendResult]:
    kit_dir, names = titanic_blend_kit
    output = _run_ramp_blend(kit_dir, names)
    ours = blend_kit(load_kit(kit_dir), names=names)
    return output, ours


@pytest.mark.slow
def test_contributivities_match_ramp_blend_to_its_integer_percent(
    ramp_blend_run: tuple[Path, BlendResult],
) -> None:
    output, ours = ramp_blend_run
    theirs = pd.read_csv(output / "contributivities.csv").set_index("submission")
    assert set(theirs.index) == set(ours.contributivity)
    total = sum(ours.contributivity.values())
    for name, share in ours.contributivity.items():
        assert round(100 * share / total) == theirs.loc[name, "contributivity"], name
        folds = [theirs.loc[name, f"fold_{i}"] for i in range(len(ours.selections))]
        assert share == pytest.approx(sum(folds), abs=1e-12), name
    assert sum(ours.contributivity.values()) == pytest.approx(1.0)
    assert len({s for sel in ours.selections for s in sel}) > 1  # a real blend


@pytest.mark.slow
@pytest.mark.parametrize(
    ("csv", "attribute"),
    [
        ("bagged_scores_combined.csv", "combined"),
        ("bagged_scores_foldwise_best.csv", "foldwise_best"),
    ],
)
def test_bagged_scores_match_ramp_blend(
    ramp_blend_run: tuple[Path, BlendResult], csv: str, attribute: str
) -> None:
    output, ours = ramp_blend_run
    theirs = pd.read_csv(output / csv)
    official = "auc"  # ramp-blend bags only the official score
    for step in ("valid", "test"):
        rows = theirs[theirs["step"] == step]
        last = rows[rows["n_bag"] == rows["n_bag"].max()]
        assert getattr(ours, attribute)[step][official] == pytest.approx(
            float(last[official].iloc[0]), rel=1e-12, abs=1e-12
        ), step
    assert set(getattr(ours, attribute)["valid"]) == {"auc", "acc", "nll"}


@pytest.mark.slow
def test_each_fold_ensemble_scores_at_least_its_best_single_member(
    ramp_blend_run: tuple[Path, BlendResult],
) -> None:
    _, ours = ramp_blend_run
    for scores in ours.fold_scores:
        assert scores == sorted(scores)  # AUC: every added member raised it
        assert len(scores) == 1 or scores[-1] > scores[0]
    assert np.isfinite(ours.combined["test"]["auc"])
