"""The variable-stars kit: reading the light curves, and the reference features."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from problems.kit import load_kit

KIT_DIR = Path(__file__).resolve().parents[3] / "problems" / "variable_stars"


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kit():
    return load_kit(KIT_DIR)


@pytest.fixture(scope="module")
def train(kit):
    return kit.get_train_data()


def test_list_cells_parse_to_float_arrays(kit):
    parse = kit.module.parse_float_list
    np.testing.assert_array_equal(parse("[290.3, 291.35, -1e-2]"), [290.3, 291.35, -0.01])
    assert parse("[]").shape == (0,)
    # Not JSON, but written by some tools: lower-case nan and spaces.
    parsed = parse("[ 1.0, nan , 2.5 ]")
    assert parsed[0] == 1.0 and np.isnan(parsed[1]) and parsed[2] == 2.5


def test_training_data_has_static_features_and_light_curves(train):
    X, y = train
    assert len(X) == 2912
    assert np.bincount(y).tolist() == [0, 339, 604, 1777, 192]
    assert X["period"].dtype == float
    star = X.iloc[0]
    for band in ("b", "r"):
        times, magnitudes = star[f"time_points_{band}"], star[f"light_points_{band}"]
        assert isinstance(magnitudes, np.ndarray) and magnitudes.dtype == float
        assert len(times) == len(magnitudes) == len(star[f"error_points_{band}"]) > 50
    # First star of train.csv, first values of its "[290.3, 291.35, ...]" cell.
    assert X.index[0] == "135_9613"
    np.testing.assert_array_equal(star["time_points_b"][:2], [290.3, 291.35])


def test_test_data_and_quick_test_subset(kit, monkeypatch):
    X_test, y_test = kit.get_test_data()
    assert len(X_test) == len(y_test) == 729
    monkeypatch.setenv("RAMP_TEST_MODE", "1")
    X_quick, y_quick = kit.get_train_data()
    assert len(X_quick) == 300
    assert set(y_quick) == {1, 2, 3, 4}


def test_folds_are_stratified(kit, train):
    X, y = train
    folds = kit.get_cv(X, y)
    assert len(folds) == 8
    for _, valid in folds:
        assert np.bincount(y[valid])[4] in (24, 25)  # 192 Miras over 8 folds


def test_reference_features_recover_a_folded_sinusoid():
    extractor = _load(
        KIT_DIR / "submissions" / "periodic_features" / "feature_extractor.py", "vs_reference_fe"
    )
    rng = np.random.default_rng(0)
    time = np.sort(rng.uniform(0, 900, 150))
    period = 37.3
    magnitude = 17.0 + 0.4 * np.sin(2 * np.pi * time / period) + rng.normal(0, 0.01, 150)
    features = extractor.curve_features(time, magnitude, period)
    assert features["p_a1"] == pytest.approx(0.4, abs=0.01)
    assert features["p_r21"] < 0.05
    # Folded on the right period the curve is smooth; on a wrong one it is noise.
    wrong = extractor.curve_features(time, magnitude, period * 1.37)
    assert features["p_jaggedness"] < 0.1 < wrong["p_jaggedness"]


def test_prepare_data_copies_and_checks_the_files(tmp_path):
    prepare = _load(KIT_DIR / "prepare_data.py", "vs_prepare_data")
    assert prepare.main(["--real", str(KIT_DIR / "data"), "--data-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(prepare.FILES)
    (tmp_path / "test.csv").unlink()
    with pytest.raises(ValueError, match=r"lacks test\.csv"):
        prepare.check(tmp_path)
