"""AMS and weighted ROC AUC: the formula, the decision rule, the renormalisation."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from problems.kit.score_types.ams import AMS, approximate_median_significance, labels_and_weights
from problems.kit.score_types.weighted_roc_auc import WeightedROCAUC


def weighted_one_hot(labels, weights):
    truth = np.zeros((len(labels), 2))
    truth[np.arange(len(labels)), labels] = weights
    return truth


class Holder:
    """The minimal Predictions-like object score_function reads."""

    def __init__(self, y_pred):
        self.y_pred = np.asarray(y_pred, dtype=float)


def test_ams_on_a_worked_example():
    # Selected: rows 0-3 (p > 0.5). Signal weights 1.5 + 0.5 = 2, background 3 + 5 = 8.
    labels = [1, 1, 0, 0, 1, 0]
    weights = [1.5, 0.5, 3.0, 5.0, 4.0, 100.0]
    proba = [0.9, 0.6, 0.7, 0.51, 0.5, 0.1]
    # By hand: sqrt(2 * ((2 + 8 + 10) * ln(1 + 2 / 18) - 2))
    #        = sqrt(2 * (20 * 0.1053605 - 2)) = sqrt(0.214421) = 0.463056
    ams = AMS(b_reg=10.0)(labels, proba, sample_weight=weights)
    assert ams == pytest.approx(0.463056, abs=1e-6)
    assert approximate_median_significance(2.0, 8.0, b_reg=10.0) == pytest.approx(
        math.sqrt(2 * (20 * math.log(10 / 9) - 2))
    )


def test_ams_grows_with_signal_and_falls_with_background():
    assert approximate_median_significance(0.0, 50.0) == 0.0
    assert approximate_median_significance(5.0, 50.0) < approximate_median_significance(10.0, 50.0)
    assert approximate_median_significance(5.0, 50.0) > approximate_median_significance(5.0, 500.0)
    # For s << b it tends to the familiar s / sqrt(b + b_reg).
    assert approximate_median_significance(1.0, 1e6, b_reg=0.0) == pytest.approx(1e-3, rel=1e-3)


def test_threshold_rule_selects_probabilities_strictly_above_it():
    score = AMS(threshold=0.7)
    assert score.select([0.71, 0.7, 0.2, 0.95]).tolist() == [True, False, False, True]


def test_top_fraction_rule_selects_the_highest_ranked_events():
    score = AMS(top_fraction=0.5)
    assert score.select([0.1, 0.9, 0.3, 0.8]).tolist() == [False, True, False, True]
    # Only ranks matter: a monotone transform of the probabilities selects the same.
    assert score.select([0.01, 0.02, 0.015, 0.019]).tolist() == [False, True, False, True]


def test_decision_rule_changes_the_score():
    labels = [1, 0, 1, 0]
    weights = [1.0, 3.0, 1.0, 5.0]
    proba = [0.9, 0.8, 0.7, 0.1]
    by_threshold = AMS(threshold=0.75)(labels, proba, sample_weight=weights)  # s=1, b=3
    by_fraction = AMS(top_fraction=0.75)(labels, proba, sample_weight=weights)  # s=2, b=3
    assert by_threshold == pytest.approx(approximate_median_significance(1.0, 3.0))
    assert by_fraction == pytest.approx(approximate_median_significance(2.0, 3.0))


def test_renormalisation_is_exact_on_a_duplicated_set():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 50)
    weights = rng.uniform(0.1, 3.0, 50)
    proba = rng.random(50)
    # The whole set is two identical copies; its weights describe 100 events.
    whole = AMS(reference_n_events=100)(
        np.tile(labels, 2), np.tile(proba, 2), sample_weight=np.tile(weights, 2)
    )
    one_copy = AMS(reference_n_events=100)(labels, proba, sample_weight=weights)
    selected = proba > 0.5
    s = 2 * weights[selected & (labels == 1)].sum()
    b = 2 * weights[selected & (labels == 0)].sum()
    assert one_copy == pytest.approx(whole, rel=1e-12)
    assert one_copy == pytest.approx(approximate_median_significance(s, b), rel=1e-12)


def test_renormalised_ams_of_a_random_half_matches_the_whole_set():
    rng = np.random.default_rng(1)
    n = 200_000
    labels = (rng.random(n) < 1 / 3).astype(int)
    weights = np.where(labels == 1, 0.003, rng.uniform(1.0, 2.2, n))
    proba = np.clip(0.35 * labels + rng.normal(0.3, 0.15, n), 0, 1)
    score = AMS(reference_n_events=n)
    whole = score(labels, proba, sample_weight=weights)
    half = rng.permutation(n)[: n // 2]
    renormalised_half = score(labels[half], proba[half], sample_weight=weights[half])
    raw_half = AMS()(labels[half], proba[half], sample_weight=weights[half])
    assert renormalised_half == pytest.approx(whole, rel=0.03)
    # Without renormalisation a half-size set looks ~sqrt(2) less significant.
    assert raw_half < 0.8 * whole


def test_score_function_reads_weights_from_weighted_one_hot_truth():
    labels = np.array([1, 1, 0, 0, 1, 0])
    weights = np.array([1.5, 0.5, 3.0, 5.0, 4.0, 100.0])
    signal = np.array([0.9, 0.6, 0.7, 0.51, 0.5, 0.1])
    predictions = Holder(np.column_stack([1 - signal, signal]))
    score = AMS()
    assert score.score_function(Holder(weighted_one_hot(labels, weights)), predictions) == (
        pytest.approx(0.463056, abs=1e-6)
    )
    # A plain one-hot ground truth means unit weights: s = 2, b = 2.
    assert score.score_function(
        Holder(weighted_one_hot(labels, 1.0)), predictions
    ) == pytest.approx(approximate_median_significance(2.0, 2.0))


def test_labels_and_weights_rejects_a_truth_without_one_positive_weight_per_row():
    with pytest.raises(ValueError, match="one positive weight"):
        labels_and_weights([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="one positive weight"):
        labels_and_weights([[1.0, 2.0]])


def test_score_function_rejects_predictions_that_are_not_two_class():
    with pytest.raises(ValueError, match="two-class"):
        AMS().score_function(Holder(weighted_one_hot([0, 1], 1.0)), Holder([[0.2, 0.3, 0.5]] * 2))


def test_invalid_decision_rule_settings_are_refused():
    with pytest.raises(ValueError):
        AMS(top_fraction=1.5)
    with pytest.raises(ValueError):
        AMS(reference_n_events=0)


def test_weighted_auc_equals_unweighted_auc_on_rows_repeated_weight_times():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 40)
    counts = rng.integers(1, 5, 40)
    proba = rng.random(40)
    weighted = WeightedROCAUC().score_function(
        Holder(weighted_one_hot(labels, counts.astype(float))),
        Holder(np.column_stack([1 - proba, proba])),
    )
    repeated = roc_auc_score(np.repeat(labels, counts), np.repeat(proba, counts))
    assert weighted == pytest.approx(repeated)
    assert weighted != pytest.approx(roc_auc_score(labels, proba))
