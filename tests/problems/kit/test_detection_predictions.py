"""DetectionPredictions: layout, empty containers, slicing and combining members."""

from __future__ import annotations

import numpy as np
import pytest

from problems.kit.predictions.detection import DetectionPredictions


def test_equal_length_lists_stay_one_entry_per_image():
    predictions = DetectionPredictions(y_pred=[[(0.5, 1, 2, 3)], [(0.7, 4, 5, 6)]])
    assert predictions.y_pred.shape == (2,)
    assert predictions.y_pred[1] == [(0.7, 4.0, 5.0, 6.0)]


def test_ground_truth_holds_circles_and_fold_rows():
    truth = DetectionPredictions(y_true=[[(1, 2, 3)], [], [(4, 5, 6)]], fold_is=[2, 0])
    assert list(truth.y_pred) == [[(4.0, 5.0, 6.0)], [(1.0, 2.0, 3.0)]]


def test_empty_container_is_filled_fold_by_fold():
    container = DetectionPredictions(n_samples=3)
    assert not container.valid_indexes.any()
    container.set_valid_in_train(DetectionPredictions(y_pred=[[], [(0.9, 1, 1, 5)]]), [0, 2])
    assert container.valid_indexes.tolist() == [True, False, True]
    container.set_slice(container.valid_indexes)
    assert list(container.y_pred) == [[], [(0.9, 1.0, 1.0, 5.0)]]


def test_non_finite_detections_are_rejected():
    with pytest.raises(ValueError, match="finite"):
        DetectionPredictions(y_pred=[[(0.5, np.nan, 2, 3)]])


def test_combine_averages_a_crater_all_members_found():
    a = DetectionPredictions(y_pred=[[(0.8, 100, 100, 10)]])
    b = DetectionPredictions(y_pred=[[(0.4, 102, 100, 12)]])
    (merged,) = DetectionPredictions.combine([a, b]).y_pred[0]
    assert merged == pytest.approx((0.6, 101.0, 100.0, 11.0))


def test_combine_scales_confidence_by_the_share_of_members_that_found_it():
    found = DetectionPredictions(y_pred=[[(0.9, 50, 50, 8), (0.6, 150, 150, 8)]])
    missed = DetectionPredictions(y_pred=[[(0.9, 50, 50, 8)]])
    merged = DetectionPredictions.combine([found, missed, missed]).y_pred[0]
    assert merged[0] == pytest.approx((0.9, 50.0, 50.0, 8.0))
    assert merged[1] == pytest.approx((0.2, 150.0, 150.0, 8.0))


def test_combine_keeps_distinct_craters_apart_and_honours_index_list():
    a = DetectionPredictions(y_pred=[[(0.8, 10, 10, 5)], None])
    b = DetectionPredictions(y_pred=[[(0.8, 60, 60, 5)], [(0.5, 1, 1, 2)]])
    merged = DetectionPredictions.combine([a, b])
    assert len(merged.y_pred[0]) == 2
    # Image 2 was predicted by b only: b alone votes on it, at full confidence.
    assert merged.y_pred[1] == [(0.5, 1.0, 1.0, 2.0)]
    twice_a = DetectionPredictions.combine([a, b], index_list=[0, 0])
    assert twice_a.y_pred[0] == [(0.8, 10.0, 10.0, 5.0)]
    assert twice_a.y_pred[1] is None
