"""Prediction types: construction, slicing, combining (bagging and blending)."""

import threading
import warnings

import numpy as np
import pytest

from problems.kit.predictions import Multiclass, Regression


class Flowers(Multiclass):
    label_names = ("setosa", "versicolor", "virginica")


class Survived(Multiclass):
    label_names = (0, 1)


class Position(Regression):
    label_names = ("x", "y")


def test_ground_truth_becomes_one_hot_in_label_order():
    truth = Flowers(y_true=["virginica", "setosa"])
    assert truth.y_pred.tolist() == [[0, 0, 1], [1, 0, 0]]


def test_integer_labels_read_as_strings_still_match():
    # A CSV read without dtypes can give "1" where the kit names 1.
    assert Survived(y_true=np.array(["1", "0"])).y_pred.tolist() == [[0, 1], [1, 0]]


def test_unknown_label_is_named_in_the_error():
    with pytest.raises(ValueError, match="'tulip' is not one of"):
        Flowers(y_true=["tulip"])


def test_wrong_number_of_columns_is_refused():
    with pytest.raises(ValueError, match=r"expected shape \(n_samples, 3\)"):
        Flowers(y_pred=np.ones((4, 2)))


def test_one_dimensional_regression_refuses_a_matrix():
    with pytest.raises(ValueError, match="1-D"):
        Regression(y_pred=np.ones((4, 2)))


def test_fold_is_keeps_only_those_rows():
    predictions = Regression(y_pred=[10.0, 11.0, 12.0, 13.0], fold_is=[3, 1])
    assert predictions.y_pred.tolist() == [13.0, 11.0]


def test_empty_container_is_all_invalid_until_filled():
    bag = Position(n_samples=4)
    assert not bag.valid_indexes.any()
    bag.set_valid_in_train(Position(y_pred=[[1, 2], [3, 4]]), [0, 2])
    assert bag.valid_indexes.tolist() == [True, False, True, False]
    bag.set_slice(bag.valid_indexes)
    assert bag.y_pred.tolist() == [[1, 2], [3, 4]]


def test_combine_ignores_rows_a_member_did_not_predict():
    first, second = Regression(n_samples=3), Regression(n_samples=3)
    first.set_valid_in_train(Regression(y_pred=[1.0, 2.0]), [0, 1])
    second.set_valid_in_train(Regression(y_pred=[4.0, 6.0]), [1, 2])
    combined = Regression.combine([first, second])
    assert combined.y_pred.tolist() == [1.0, 3.0, 6.0]


def test_combine_with_repetition_weights_members():
    members = [Regression(y_pred=[0.0]), Regression(y_pred=[3.0])]
    assert Regression.combine(members, [0, 1, 1]).y_pred.tolist() == [2.0]


def test_multiclass_combine_renormalises_before_averaging():
    # An unnormalised member must not outweigh a normalised one.
    members = [Survived(y_pred=[[2.0, 2.0]]), Survived(y_pred=[[0.0, 1.0]])]
    combined = Survived.combine(members).y_pred
    np.testing.assert_allclose(combined, [[0.25, 0.75]], atol=1e-12)
    np.testing.assert_allclose(combined.sum(axis=1), 1.0)


def test_label_index_and_label():
    predictions = Flowers(y_pred=[[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    assert predictions.y_pred_label_index.tolist() == [1, 0]
    assert predictions.y_pred_label.tolist() == ["versicolor", "setosa"]


def test_combining_warns_about_nothing_even_beside_other_threads():
    # Bagging combines in threads; rows no member predicted stay NaN, silently, and the
    # average is np.nanmean's to the bit.
    rng = np.random.default_rng(0)
    stacked = rng.random((8, 500, 2))
    stacked[rng.random(stacked.shape[:2]) < 0.5] = np.nan
    stacked[:, :10] = np.nan  # rows no member predicted
    members = [Survived(y_pred=member) for member in stacked]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        clipped = np.clip(stacked, 1e-15, 1 - 1e-15)
        expected = np.nanmean(clipped / clipped.sum(axis=2, keepdims=True), axis=0)
    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        threads = [
            threading.Thread(
                target=lambda: results.extend(Survived.combine(members) for _ in range(25))
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert caught == []
    for combined in results:
        assert np.array_equal(combined.y_pred, expected, equal_nan=True)
