"""The Mars craters kit: its data, its synthetic generator and its starting kit."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from problems.kit import load_kit

KIT_DIR = Path(__file__).resolve().parents[3] / "problems" / "mars_craters"


def load_prepare_data():
    spec = importlib.util.spec_from_file_location("mars_prepare", KIT_DIR / "prepare_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_seeded_and_half_the_patches_are_empty():
    prepare = load_prepare_data()
    images, labels = prepare.make_split(40, seed=3)
    again, labels_again = prepare.make_split(40, seed=3)
    assert images.shape == (40, 224, 224) and images.dtype == np.uint8
    assert np.array_equal(images, again) and labels.equals(labels_again)
    n_empty = 40 - labels["i"].nunique()
    assert 10 <= n_empty <= 30
    assert labels["radius_p"].between(5, 28).all()


def test_a_crater_is_visible_in_the_generated_image():
    prepare = load_prepare_data()
    image, craters = prepare.make_patch(np.random.default_rng(0), n_craters=1)
    (row, col, radius) = craters[0]
    rows, cols = np.mgrid[:224, :224]
    inside = np.hypot(rows - row, cols - col) < radius * 0.8
    far = np.hypot(rows - row, cols - col) > radius * 2
    # Shading makes the crater's walls much more contrasted than the plain around it.
    assert image[inside].std() > 1.5 * image[far].std()


def test_data_is_generated_on_first_use_in_a_fresh_checkout(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("data_train_mini.npy", "labels_train_mini.csv"):
        shutil.copy(KIT_DIR / "data" / name, data / name)
    X, y = load_kit(KIT_DIR).get_train_data(tmp_path)
    assert (data / "synthetic_train_images.npy").is_file()
    assert X.shape == (430, 224, 224)
    assert len(y) == 430
    # The real mini patches come first, with their labels.
    assert y[0] == [(57.0, 175.0, 6.7)]


def test_quick_test_keeps_a_small_subset(monkeypatch):
    monkeypatch.setenv("RAMP_TEST_MODE", "1")
    kit = load_kit(KIT_DIR)
    X, y = kit.get_train_data()
    X_test, _ = kit.get_test_data()
    assert len(X) == 48 and len(X_test) == 40
    assert len(kit.get_cv(X, y)) == 2


@pytest.mark.parametrize("submission", ["starting_kit"])
def test_submission_finds_craters_on_clear_synthetic_patches(submission):
    prepare = load_prepare_data()
    kit = load_kit(KIT_DIR)
    X, labels = prepare.make_split(24, seed=11)
    y = np.empty(len(X), dtype=object)
    for i in range(len(X)):
        y[i] = [(r.row_p, r.col_p, r.radius_p) for r in labels[labels["i"] == i].itertuples()]
    model = kit.workflow.train_submission(str(KIT_DIR / "submissions" / submission), X, y)
    y_pred = kit.workflow.test_submission(model, X)
    truth, predictions = kit.Predictions(y_true=y), kit.Predictions(y_pred=y_pred)
    recall = next(s for s in kit.score_types if s.name == "rec(0.0)")
    assert recall.score_function(truth, predictions) > 0.5
