"""Small random blends, edge cases included, select exactly as ramp-workflow's blend.

Each case runs the fast blender and ramp-workflow's ``blend_on_fold`` on the same
predictions, fold by fold: probabilities of exactly 0 and 1 (clipped by ``combine``),
rows that do not sum to one, duplicated submissions (ties: the first index wins),
float32 predictions, and enough candidates for the float32 screening pass.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems.kit.blending import Blender, SubmissionOutput
from problems.kit.blending.fast_metrics import _sum_of_logs
from problems.kit.blending.truth import _unique_inverse
from worker.cli.blend_command import SavedPredictions, load_submission_outputs

rampwf = pytest.importorskip("rampwf")
from rampwf.utils.combine import blend_on_fold  # noqa: E402

# Rows summing below one are part of the cases; sklearn warns about them.
pytestmark = pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")

Predictions = rampwf.prediction_types.make_multiclass(label_names=[0, 1])
SCORE_TYPES = {
    "nll": rampwf.score_types.NegativeLogLikelihood(),
    "auc": rampwf.score_types.ROCAUC(),
    "acc": rampwf.score_types.Accuracy(),
}


def _submissions(rng: np.random.Generator, y: np.ndarray, n: int, edges: bool) -> list[Any]:
    """``n`` binary probability arrays of varied quality; ``edges``: 0/1s and duplicates."""
    arrays = []
    for i in range(n):
        logit = rng.uniform(0.2, 1.5) * (2 * y - 1) + rng.normal(scale=1.5, size=len(y))
        p = 1 / (1 + np.exp(-logit))
        proba = np.column_stack([1 - p, p])
        if edges and i % 3 == 0:
            rows = rng.choice(len(y), size=max(1, len(y) // 8), replace=False)
            proba[rows] = np.eye(2)[rng.integers(0, 2, len(rows))]  # certain, maybe wrong
        if edges and i % 4 == 1:
            proba *= rng.uniform(0.7, 1.0, size=(len(y), 1))  # rows summing below one
        if edges and i % 5 == 4:
            proba = arrays[i - 2].copy()  # an exact duplicate: ties
        arrays.append(proba)
    return arrays


def _blend_both(
    arrays: list[np.ndarray], y: np.ndarray, valid_indices: list[np.ndarray], score: str
) -> tuple[list[list[int]], list[list[int]], list[bool]]:
    score_type = SCORE_TYPES[score]
    outputs = [
        SubmissionOutput(f"s{i}", valid=[a[v] for v in valid_indices]) for i, a in enumerate(arrays)
    ]
    blender = Blender(
        Predictions=Predictions, score_types=[score_type], y_train=y, valid_indices=valid_indices
    )
    blender.add_many(outputs)
    ours = [s.members for s in blender.select()]
    theirs = []
    for fold, valid_is in enumerate(valid_indices):
        predictions = [Predictions(y_pred=o.valid[fold]) for o in outputs]
        truth = Predictions(y_true=y, fold_is=valid_is)
        with contextlib.redirect_stdout(io.StringIO()):
            theirs.append([int(i) for i in blend_on_fold(predictions, truth, score_type)])
    return ours, theirs, blender.uses_fast_path


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_submissions=st.integers(1, 12),
    n_rows=st.integers(12, 90),
    edges=st.booleans(),
    float32=st.booleans(),
    score=st.sampled_from(sorted(SCORE_TYPES)),
)
def test_random_small_blends_select_like_ramp_workflow(
    seed: int, n_submissions: int, n_rows: int, edges: bool, float32: bool, score: str
) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_rows)
    y[:2] = [0, 1]  # both classes in every fold, for ROC AUC
    rest = rng.permutation(np.arange(2, n_rows))
    valid_indices = [np.sort(np.r_[0, 1, half]) for half in np.array_split(rest, 2)]
    arrays = _submissions(rng, y, n_submissions, edges)
    if float32:
        arrays = [a.astype(np.float32) for a in arrays]
    ours, theirs, fast = _blend_both(arrays, y, valid_indices, score)
    assert all(fast)
    assert ours == theirs


@pytest.mark.parametrize("score", sorted(SCORE_TYPES))
def test_larger_blend_with_edge_cases_selects_like_ramp_workflow(score: str) -> None:
    # Thousands of rows and a dozen candidates: the float32 screening pass, the
    # products of rows before the logarithm, and members with and without clipping.
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 4000)
    valid_indices = [np.arange(0, 4000, 2), np.arange(1, 4000, 2), np.arange(1000, 3001)]
    arrays = _submissions(rng, y, 12, edges=True)
    ours, theirs, fast = _blend_both(arrays, y, valid_indices, score)
    assert all(fast)
    assert ours == theirs
    assert any(len(s) > 2 for s in ours)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("score", ["nll", "auc"])
def test_stacked_columns_are_the_combined_members_bit_for_bit(dtype: type, score: str) -> None:
    # Members with values the clipping changes (0, 1) take the general path, the
    # others the row-sum one: both must store what combine averages, exactly.
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    valid_indices = [np.arange(0, 300, 3), np.arange(1, 300, 3)]
    arrays = [a.astype(dtype) for a in _submissions(rng, y, 10, edges=True)]
    arrays[2][5] = [0.0, 1.0]
    blender = Blender(
        Predictions=Predictions,
        score_types=[SCORE_TYPES[score]],
        y_train=y,
        valid_indices=valid_indices,
    )
    blender.add_many(
        [
            SubmissionOutput(f"s{i}", valid=[a[v] for v in valid_indices])
            for i, a in enumerate(arrays)
        ]
    )
    for fold, valid_is in enumerate(valid_indices):
        state = blender._fast[fold]
        assert state is not None
        column = y[valid_is] if score == "nll" else np.ones(len(valid_is), dtype=int)
        for i, array in enumerate(arrays):
            combined = Predictions.combine([Predictions(y_pred=array[valid_is])]).y_pred
            expected = combined[np.arange(len(valid_is)), column]
            assert np.array_equal(state.stack.stored[i], expected), (fold, i)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sum_of_logs_by_products_is_the_sum_of_logs(dtype: type) -> None:
    rng = np.random.default_rng(1)
    for floor, ceiling in [(1e-15, 1.0), (1e-4, 1.0), (0.5, 80.0), (2e-16, 80.0)]:
        values = np.exp(rng.uniform(np.log(floor), np.log(ceiling), size=(3, 1001)))
        values = values.astype(dtype)
        expected = np.sum(np.log(values.astype(np.float64)), axis=1)
        got = _sum_of_logs(values.copy(), floor=floor, ceiling=ceiling)
        scale = np.sum(np.abs(np.log(values.astype(np.float64))), axis=1)
        assert np.all(np.isfinite(got))
        assert np.all(np.abs(got - expected) <= 8 * np.finfo(dtype).eps * (scale + len(values[0])))


@pytest.mark.parametrize(
    "values",
    [
        np.array([3, 1, 3, 2, 1]),
        np.array([-5, 7, -5], dtype=np.int8),
        np.array([1, 0, 1], dtype=np.uint8),
        np.array([1.0, 0.0, 1.0]),
        np.array(["b", "a", "b"]),
        np.array([0, 10**9]),
    ],
)
def test_counted_unique_is_numpy_unique(values: np.ndarray) -> None:
    uniques, inverse = _unique_inverse(values)
    expected_uniques, expected_inverse = np.unique(values, return_inverse=True)
    assert np.array_equal(uniques, expected_uniques)
    assert uniques.dtype == expected_uniques.dtype
    assert np.array_equal(inverse, expected_inverse.reshape(-1))


def test_test_predictions_are_read_on_first_use_only(
    titanic_blend_kit: tuple[Path, list[str]],
) -> None:
    from problems.kit import load_kit

    kit_dir, names = titanic_blend_kit
    kit = load_kit(kit_dir)
    X_train, y_train = kit.get_train_data()
    valid_indices = [v for _, v in kit.get_cv(X_train, y_train)]
    outputs = load_submission_outputs(kit.submissions_dir, names[:2], valid_indices)
    assert outputs[0].test is not None
    saved = outputs[0].test[0]
    assert isinstance(saved, SavedPredictions)
    assert saved._array is None
    first = saved()
    assert saved() is first
    assert first.shape[1] == 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_running_mean_of_test_predictions_is_combine_bit_for_bit(dtype: type) -> None:
    from problems.kit.blending.prediction_kinds import combine_kind

    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 200)
    arrays = [a.astype(dtype) for a in _submissions(rng, y, 6, edges=True)]
    kind = combine_kind(Predictions)
    assert kind is not None
    order = [arrays[i] for i in (3, 0, 3, 5, 1, 0)]  # repeats are the same object
    mean = kind.running_mean(order)
    expected = Predictions.combine([Predictions(y_pred=a) for a in order]).y_pred
    assert mean is not None and mean.dtype == expected.dtype
    assert np.array_equal(mean, expected)
    with_nan = arrays[2].copy()
    with_nan[0, 0] = np.nan
    assert kind.running_mean([arrays[0], with_nan]) is None  # nanmean skips it: not a sum
