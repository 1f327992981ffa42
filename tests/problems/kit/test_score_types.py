"""Score types on hand-computed cases, and against ramp-workflow's where it has one."""

import math

import numpy as np
import pytest

from problems.kit import score_types as st
from problems.kit.predictions import Multiclass, Regression


class Binary(Multiclass):
    label_names = (0, 1)


class Three(Multiclass):
    label_names = ("a", "b", "c")


TRUTH = Binary(y_true=[0, 0, 1, 1])
PROBA = Binary(y_pred=[[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])


@pytest.mark.parametrize(
    ("score_type", "expected"),
    [
        (st.Accuracy(), 0.75),
        (st.ClassificationError(), 0.25),
        # recalls: class 0 = 1, class 1 = 0.5
        (st.BalancedAccuracy(adjusted=False), 0.75),
        (st.BalancedAccuracy(adjusted=True), 0.5),
        (st.MacroAveragedRecall(), 0.75),
        # F1: class 0 = 0.8, class 1 = 2/3
        (st.F1Above(threshold=0.7), 0.5),
        (st.F1Above(threshold=0.5), 1.0),
        (st.NegativeLogLikelihood(), -np.mean(np.log([0.9, 0.6, 0.35, 0.8]))),
        (st.BrierScore(), np.mean(np.square([0.1, 0.4, 0.65, 0.2]))),
        # positives 0.35, 0.8 against negatives 0.1, 0.4: 3 of 4 pairs ordered
        (st.ROCAUC(), 0.75),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_classification_scores_on_a_hand_computed_case(score_type, expected):
    assert score_type.score_function(TRUTH, PROBA) == pytest.approx(expected, abs=1e-12)


def test_regression_scores_on_a_hand_computed_case():
    truth, predictions = Regression(y_true=[1.0, 2.0, 4.0]), Regression(y_pred=[2.0, 2.0, 2.0])
    assert st.RMSE().score_function(truth, predictions) == pytest.approx(math.sqrt(5 / 3))
    relative = [-1.0, 0.0, 0.5]
    assert st.RelativeRMSE().score_function(truth, predictions) == pytest.approx(
        math.sqrt(np.mean(np.square(relative)))
    )
    assert st.MARE().score_function(truth, predictions) == pytest.approx(0.5)


def test_directions_and_bounds():
    assert st.Accuracy().is_lower_the_better is False
    assert st.NegativeLogLikelihood().is_lower_the_better is True
    assert st.NegativeLogLikelihood().worst == math.inf
    assert st.Accuracy().worst == 0.0


def test_combined_weights_scores_of_one_direction():
    combined = st.Combined(
        score_types=[st.Accuracy(), st.BalancedAccuracy(adjusted=False)], weights=[0.25, 0.75]
    )
    assert combined.score_function(TRUTH, PROBA) == pytest.approx(0.25 * 0.75 + 0.75 * 0.75)
    assert combined.maximum == 1.0


def test_combined_refuses_mixed_directions():
    with pytest.raises(ValueError, match="lower-is-better and higher-is-better"):
        st.Combined(score_types=[st.Accuracy(), st.NegativeLogLikelihood()], weights=[1, 1])


def test_binary_scores_refuse_multiclass_probabilities():
    truth = Three(y_true=["a", "b"])
    with pytest.raises(ValueError, match="two-class probabilities"):
        st.ROCAUC().score_function(truth, Three(y_pred=[[1, 0, 0], [0, 1, 0]]))


def test_length_mismatch_is_reported():
    with pytest.raises(ValueError, match="expected 4 rows, got 2"):
        st.RMSE().score_function(Regression(y_true=[1, 2, 3, 4]), Regression(y_pred=[1, 2]))


import rampwf as rw  # noqa: E402  (the rampwf extra is part of the test setup)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (st.Accuracy(), "Accuracy"),
        (st.BalancedAccuracy(), "BalancedAccuracy"),
        (st.MacroAveragedRecall(), "MacroAveragedRecall"),
        (st.F1Above(threshold=0.6), "F1Above"),
        (st.NegativeLogLikelihood(), "NegativeLogLikelihood"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_multiclass_scores_equal_ramp_workflow(ours, theirs):
    rng = np.random.default_rng(0)
    y = rng.choice(["a", "b", "c"], size=200)
    proba = rng.dirichlet([1, 1, 1], size=200)
    kwargs = {"threshold": 0.6} if theirs == "F1Above" else {}
    reference = getattr(rw.score_types, theirs)(**kwargs)
    rw_predictions = rw.prediction_types.make_multiclass(label_names=["a", "b", "c"])
    expected = reference.score_function(rw_predictions(y_true=y), rw_predictions(y_pred=proba))
    assert ours.score_function(Three(y_true=y), Three(y_pred=proba)) == pytest.approx(
        expected, abs=1e-12
    )
