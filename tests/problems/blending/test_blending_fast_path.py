"""The fast blender makes the generic path's choices, for our types and rampwf's."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems.kit import load_kit
from problems.kit.blending import Blender, SubmissionOutput, blend, select_generic
from problems.kit.blending.prediction_kinds import combine_kind
from problems.kit.predictions import Multiclass, Regression
from problems.kit.score_types import (
    RMSE,
    ROCAUC,
    Accuracy,
    BalancedAccuracy,
    BrierScore,
    ClassificationError,
    NegativeLogLikelihood,
)
from worker.cli.blend_command import load_submission_outputs


class Binary(Multiclass):
    label_names = (0, 1)


class Value(Regression):
    pass


def _saved(kit_dir: Path, names: list[str]) -> tuple[Any, list[Any], list[SubmissionOutput]]:
    kit = load_kit(kit_dir)
    X_train, y_train = kit.get_train_data()
    valid_indices = [v for _, v in kit.get_cv(X_train, y_train)]
    return (
        y_train,
        valid_indices,
        load_submission_outputs(kit.submissions_dir, names, valid_indices),
    )


def _generic_selections(
    Predictions: Any,
    score_type: Any,
    y: Any,
    valid_indices: list[Any],
    outputs: list[Any],
    **kw: Any,
) -> list[list[int]]:
    selections = []
    for fold, valid_is in enumerate(valid_indices):
        predictions = [Predictions(y_pred=np.asarray(o.valid[fold])) for o in outputs]
        truth = Predictions(y_true=y, fold_is=valid_is)
        selections.append(
            select_generic(predictions, truth, score_type, Predictions=Predictions, **kw).members
        )
    return selections


@pytest.mark.parametrize(
    "score_type",
    [ROCAUC(), Accuracy(), ClassificationError(), NegativeLogLikelihood(), BrierScore()],
    ids=lambda s: s.name,
)
@pytest.mark.parametrize("min_improvement", [0.0, 0.002])
def test_our_types_fast_path_selects_like_the_generic_path(
    titanic_blend_kit: tuple[Path, list[str]], score_type: Any, min_improvement: float
) -> None:
    y, valid_indices, outputs = _saved(*titanic_blend_kit)
    blender = Blender(
        Predictions=Binary,
        score_types=[score_type],
        y_train=y,
        valid_indices=valid_indices,
        min_improvement=min_improvement,
    )
    blender.add_many(outputs)
    fast = blender.blend().selections
    assert all(blender.uses_fast_path)
    generic = _generic_selections(
        Binary, score_type, y, valid_indices, outputs, min_improvement=min_improvement
    )
    assert fast == generic


def test_a_score_without_fast_path_falls_back_and_still_blends(
    titanic_blend_kit: tuple[Path, list[str]],
) -> None:
    y, valid_indices, outputs = _saved(*titanic_blend_kit)
    score_type = BalancedAccuracy()
    blender = Blender(
        Predictions=Binary, score_types=[score_type], y_train=y, valid_indices=valid_indices
    )
    blender.add_many(outputs[:5])
    result = blender.blend()
    assert not any(blender.uses_fast_path)
    assert result.selections == _generic_selections(
        Binary, score_type, y, valid_indices, outputs[:5]
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_columns", [2, 3])
def test_running_sum_mean_is_bit_identical_to_combine(dtype: type, n_columns: int) -> None:
    import rampwf

    rng = np.random.default_rng(0)
    raw = rng.random((6, 500, n_columns)).astype(dtype)
    raw[0, 0] = 0.0  # exercises the clipping
    raw[0, 0, 1] = 1.0
    members = [4, 1, 4, 0, 5, 5, 2, 3, 4]
    labels = list(range(n_columns))
    for Predictions in (
        rampwf.prediction_types.make_multiclass(label_names=labels),
        type("Many", (Multiclass,), {"label_names": tuple(labels)}),
    ):
        kind = combine_kind(Predictions)
        assert kind is not None
        dtype_used = kind.compute_dtype(raw[0])
        total = kind.member(raw[members[0]], dtype_used)
        for i in members[1:]:
            total = total + kind.member(raw[i], dtype_used)
        expected = Predictions.combine([Predictions(y_pred=r) for r in raw], members).y_pred
        assert expected.dtype == (total / len(members)).dtype
        assert np.array_equal(total / len(members), expected)


def test_adding_submissions_one_at_a_time_gives_the_one_shot_blend(
    titanic_blend_kit: tuple[Path, list[str]],
) -> None:
    y, valid_indices, outputs = _saved(*titanic_blend_kit)
    blender = Blender(
        Predictions=Binary,
        score_types=[NegativeLogLikelihood()],
        y_train=y,
        valid_indices=valid_indices,
        n_jobs=2,  # folds in two threads: the same answers
    )
    # Best first, so later additions change the path mid-way or not at all.
    for output in outputs[::-2]:
        blender.add(output)
        incremental = blender.blend()
        one_shot = blend(
            blender.submissions,
            Predictions=Binary,
            score_types=[NegativeLogLikelihood()],
            y_train=y,
            valid_indices=valid_indices,
        )
        assert incremental.selections == one_shot.selections
        assert incremental.contributivity == one_shot.contributivity


def test_regression_rmse_fast_path_matches_generic() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=300)
    valid_indices = [np.arange(0, 150), np.arange(150, 300)]
    outputs = [
        SubmissionOutput(
            f"s{i}",
            valid=[y[v] + rng.normal(scale=0.3 + 0.1 * i, size=len(v)) for v in valid_indices],
        )
        for i in range(8)
    ]
    blender = Blender(
        Predictions=Value, score_types=[RMSE()], y_train=y, valid_indices=valid_indices
    )
    blender.add_many(outputs)
    result = blender.blend()
    assert all(blender.uses_fast_path)
    assert result.selections == _generic_selections(Value, RMSE(), y, valid_indices, outputs)
    assert result.combined["valid"]["rmse"] < min(
        np.sqrt(
            np.mean((np.concatenate(o.valid) - np.concatenate([y[v] for v in valid_indices])) ** 2)
        )
        for o in outputs
    )


def test_blending_needs_at_least_one_submission_and_every_fold() -> None:
    blender = Blender(
        Predictions=Binary,
        score_types=[Accuracy()],
        y_train=np.array([0, 1]),
        valid_indices=[np.array([0, 1])],
    )
    with pytest.raises(ValueError, match="no scored submission"):
        blender.blend()
    with pytest.raises(ValueError, match="folds"):
        blender.add(SubmissionOutput("x", valid=[np.eye(2), np.eye(2)]))


_probabilities = st.lists(st.floats(0.02, 0.98), min_size=24, max_size=24)


@settings(max_examples=15, deadline=None)
@given(
    submissions=st.lists(_probabilities, min_size=1, max_size=6),
    labels=st.lists(st.integers(0, 1), min_size=24, max_size=24).filter(lambda v: 0 < sum(v) < 24),
    score_index=st.integers(0, 2),
)
def test_blend_properties(
    submissions: list[list[float]], labels: list[int], score_index: int
) -> None:
    y = np.array(labels)
    valid_indices = [np.arange(0, 12), np.arange(12, 24), np.arange(6, 18)]
    score_types = [NegativeLogLikelihood(), Accuracy(), ROCAUC()]
    outputs = []
    for i, column in enumerate(submissions):
        p = np.array(column)
        proba = np.column_stack([1 - p, p])
        outputs.append(SubmissionOutput(f"s{i}", valid=[proba[v] for v in valid_indices]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ROC AUC of a one-class fold is undefined
        if any(len(set(y[v])) < 2 for v in valid_indices) and score_index == 2:
            return
        result = blend(
            outputs,
            Predictions=Binary,
            score_types=score_types,
            y_train=y,
            valid_indices=valid_indices,
            score_type_index=score_index,
        )
    shares = np.array(list(result.contributivity.values()))
    assert np.all(shares >= 0)
    assert shares.sum() == pytest.approx(1.0)
    official = score_types[score_index]
    for fold, valid_is in enumerate(valid_indices):
        truth = Binary(y_true=y, fold_is=valid_is)
        singles = [official.score_function(truth, Binary(y_pred=o.valid[fold])) for o in outputs]
        best = min(singles) if official.is_lower_the_better else max(singles)
        final = result.fold_scores[fold][-1]
        if official.is_lower_the_better:
            assert final <= best + 1e-12
        else:
            assert final >= best - 1e-12


def test_bagged_scores_combine_even_a_lone_member_as_ramp_workflow_does() -> None:
    # A confident, sometimes wrong submission: combining clips its exact 0/1
    # probabilities to 1e-15, which ramp-workflow's NLL (sklearn clips at 2.2e-16) sees.
    # Bagging combines the fold predictions, so both bagged scores see the clipping.
    import rampwf

    Predictions = rampwf.prediction_types.make_multiclass(label_names=[0, 1])
    nll = rampwf.score_types.NegativeLogLikelihood(name="nll")
    y = np.array([0, 1, 0, 1, 1, 0])
    confident = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    weak = np.full((6, 2), 0.5)
    result = blend(
        [SubmissionOutput("confident", valid=[confident]), SubmissionOutput("weak", valid=[weak])],
        Predictions=Predictions,
        score_types=[rampwf.score_types.Accuracy(), nll],
        y_train=y,
        valid_indices=[np.arange(6)],
    )
    assert result.selections == [[0]]
    truth = Predictions(y_true=y)
    combined = Predictions.combine([Predictions(y_pred=confident)])
    assert result.combined["valid"]["nll"] == nll.score_function(truth, combined)
    assert result.foldwise_best["valid"]["nll"] == result.combined["valid"]["nll"]
    assert (
        nll.score_function(truth, Predictions(y_pred=confident)) > result.combined["valid"]["nll"]
    )


@pytest.mark.parametrize("labels", [[0, 1, 2], ["a", "b", "c"]])
def test_the_vectorised_truth_is_the_library_truth(labels: list[Any]) -> None:
    import rampwf

    y = np.array([labels[i] for i in [2, 0, 1, 1, 2, 0, 0]])
    for Predictions in (
        rampwf.prediction_types.make_multiclass(label_names=labels),
        type("Three", (Multiclass,), {"label_names": tuple(labels)}),
    ):
        blender = Blender(
            Predictions=Predictions,
            score_types=[Accuracy()],
            y_train=y,
            valid_indices=[np.arange(3), np.arange(3, 7)],
            y_test=y[:4],
        )
        expected = Predictions(y_true=y).y_pred
        assert np.array_equal(blender.truths.train.y_pred, expected)
        assert blender.truths.train.y_pred.dtype == expected.dtype
        assert np.array_equal(
            blender.truths.fold(1).y_pred, Predictions(y_true=y, fold_is=np.arange(3, 7)).y_pred
        )


def test_many_candidates_select_like_the_generic_path() -> None:
    # Several screening blocks and long ensembles: same choices as the generic path.
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 240)
    valid_indices = [np.arange(0, 120), np.arange(120, 240)]
    outputs = []
    for i in range(90):
        logit = rng.uniform(0.2, 1.0) * (2 * y - 1) + rng.normal(scale=1.2, size=len(y))
        p = 1 / (1 + np.exp(-logit))
        proba = np.column_stack([1 - p, p])
        outputs.append(SubmissionOutput(f"s{i}", valid=[proba[v] for v in valid_indices]))
    blender = Blender(
        Predictions=Binary,
        score_types=[NegativeLogLikelihood()],
        y_train=y,
        valid_indices=valid_indices,
        max_ensemble_size=12,
    )
    blender.add_many(outputs)
    fast = blender.blend().selections
    assert all(len(s) > 3 for s in fast)
    generic = _generic_selections(
        Binary, NegativeLogLikelihood(), y, valid_indices, outputs, max_size=12
    )
    assert fast == generic


@pytest.mark.parametrize("Predictions", ["ours", "rampwf"])
def test_near_duplicates_screened_in_float32_select_like_the_generic_path(
    Predictions: Any,
) -> None:
    # Enough candidates for the float32 first pass; exact duplicates and copies
    # perturbed below float32 resolution make every step a close call there.
    if Predictions == "rampwf":
        Predictions = pytest.importorskip("rampwf").prediction_types.make_multiclass(
            label_names=[0, 1]
        )
    else:
        Predictions = Binary
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 400)
    valid_indices = [np.arange(0, 200), np.arange(200, 400)]
    bases = []
    for _ in range(8):
        logit = rng.uniform(0.5, 1.0) * (2 * y - 1) + rng.normal(scale=1.5, size=len(y))
        bases.append(1 / (1 + np.exp(-logit)))
    outputs = []
    for i in range(48):
        p = bases[i % 8] * (1 + (i // 8) * 1e-9 * rng.standard_normal(len(y)))
        if i % 8 == 3:
            p = bases[3]  # exact duplicates: the first index must win ties
        proba = np.column_stack([1 - p, p])
        outputs.append(SubmissionOutput(f"s{i}", valid=[proba[v] for v in valid_indices]))
    score_type = NegativeLogLikelihood()
    if Predictions is not Binary:
        score_type = pytest.importorskip("rampwf").score_types.NegativeLogLikelihood()
    blender = Blender(
        Predictions=Predictions,
        score_types=[score_type],
        y_train=y,
        valid_indices=valid_indices,
        max_ensemble_size=10,
    )
    blender.add_many(outputs)
    fast = blender.blend().selections
    assert all(blender.uses_fast_path)
    generic = _generic_selections(Predictions, score_type, y, valid_indices, outputs, max_size=10)
    assert fast == generic
    assert all(len(s) > 2 for s in fast)
