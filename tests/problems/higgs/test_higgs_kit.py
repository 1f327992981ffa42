"""The HiggsML kit: generated data's schema, weights in y, and the model's view of them."""

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from problems.kit import load_kit
from problems.kit.score_types.ams import AMS, approximate_median_significance

KIT_DIR = Path(__file__).resolve().parents[3] / "problems" / "higgs"


def _load_prepare_data():
    spec = importlib.util.spec_from_file_location("higgs_prepare", KIT_DIR / "prepare_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prepare_data = _load_prepare_data()


@pytest.fixture(scope="module")
def events():
    return prepare_data.generate_events(6_000, seed=3)


@pytest.fixture(scope="module")
def kit():
    return load_kit(KIT_DIR)


def test_generated_events_have_the_public_schema(events):
    features = [c for c in events.columns if c not in ("EventId", "Weight", "Label")]
    assert len(features) == 30
    assert all(name.startswith(("DER_", "PRI_")) for name in features)
    for name in ("DER_mass_MMC", "PRI_jet_num", "PRI_jet_subleading_phi", "DER_lep_eta_centrality"):
        assert name in features
    assert events.columns[0] == "EventId" and list(events.columns[-2:]) == ["Weight", "Label"]
    assert set(events["Label"]) == {"s", "b"}
    assert set(events["PRI_jet_num"]) == {0, 1, 2, 3}


def test_undefined_values_follow_the_jet_multiplicity(events):
    undefined = events == -999.0
    leading = ["PRI_jet_leading_pt", "PRI_jet_leading_eta", "PRI_jet_leading_phi"]
    two_jet = [
        "PRI_jet_subleading_pt",
        "PRI_jet_subleading_eta",
        "PRI_jet_subleading_phi",
        "DER_deltaeta_jet_jet",
        "DER_mass_jet_jet",
        "DER_prodeta_jet_jet",
        "DER_lep_eta_centrality",
    ]
    jets = events["PRI_jet_num"]
    assert undefined.loc[jets == 0, leading + two_jet].all().all()
    assert (events.loc[jets == 0, "PRI_jet_all_pt"] == 0).all()
    assert not undefined.loc[jets == 1, leading].any().any()
    assert undefined.loc[jets == 1, two_jet].all().all()
    assert not undefined.loc[jets >= 2, leading + two_jet].any().any()
    # The mass estimator fails on some events, of any multiplicity; nothing else is -999.
    assert 0.02 < undefined["DER_mass_MMC"].mean() < 0.3
    others = undefined.drop(columns=[*leading, *two_jet, "DER_mass_MMC"])
    assert not others.any().any()


def test_signal_is_a_third_of_events_but_a_tiny_share_of_weight(events):
    is_signal = events["Label"] == "s"
    assert 0.3 < is_signal.mean() < 0.37
    scale = len(events) / 250_000
    assert events.loc[is_signal, "Weight"].sum() == pytest.approx(692 * scale, rel=0.01)
    assert events.loc[~is_signal, "Weight"].sum() == pytest.approx(411_000 * scale, rel=0.01)
    assert (events["Weight"] > 0).all()


def test_signal_peaks_near_the_higgs_mass(events):
    mass = events["DER_mass_MMC"].where(events["DER_mass_MMC"] != -999.0)
    signal_median = mass[events["Label"] == "s"].median()
    assert 115 < signal_median < 135
    assert mass[events["Label"] == "b"].median() < signal_median - 15


def test_generation_is_deterministic():
    first = prepare_data.generate_events(500, seed=7)
    pd.testing.assert_frame_equal(first, prepare_data.generate_events(500, seed=7))
    assert not first.equals(prepare_data.generate_events(500, seed=8))


def test_data_is_generated_on_first_use(tmp_path, kit, monkeypatch):
    monkeypatch.setenv("RAMP_TEST_MODE", "1")
    X, y = kit.get_train_data(tmp_path)
    assert (tmp_path / "data" / "generated" / "train.csv").is_file()
    assert (tmp_path / "data" / "generated" / "test.csv").is_file()
    assert list(X.columns) == list(prepare_data.FEATURE_NAMES)
    assert y.shape == (len(X), 2)
    assert set(np.unique(y[:, 0])) == {0.0, 1.0}
    assert (y[:, 1] > 0).all()


def test_real_data_is_preferred_and_keeps_the_weight_convention(tmp_path, kit):
    cern = prepare_data.generate_events(1_000, seed=5)
    cern["KaggleSet"] = np.repeat(["t", "b", "v", "u"], [500, 200, 250, 50])
    # KaggleWeight normalises each Kaggle set to the full totals.
    cern["KaggleWeight"] = cern["Weight"] * 3.0
    source = tmp_path / "atlas-higgs-challenge-2014-v2.csv"
    cern.to_csv(source, index=False)
    assert prepare_data.main(["--real", str(source), "--data-dir", str(tmp_path / "data")]) == 0
    X_train, y_train = kit.get_train_data(tmp_path)
    X_test, y_test = kit.get_test_data(tmp_path)
    assert len(X_train) == 500 and len(X_test) == 450  # the unused set "u" is left out
    assert not (tmp_path / "data" / "generated").exists()
    expected = cern.loc[cern["KaggleSet"] == "t", "KaggleWeight"] * 500 / 250_000
    np.testing.assert_allclose(y_train[:, 1], expected)
    # Each Kaggle set keeps its own share: 200 "b" events, then 250 "v" events.
    test_sets = cern[cern["KaggleSet"].isin(["b", "v"])]
    expected = test_sets["KaggleWeight"] * np.repeat([200, 250], [200, 250]) / 250_000
    np.testing.assert_allclose(y_test[:, 1], expected)


def test_real_data_conversion_refuses_another_csv(tmp_path):
    source = tmp_path / "other.csv"
    pd.DataFrame({"a": [1]}).to_csv(source, index=False)
    with pytest.raises(ValueError, match="CERN"):
        prepare_data.convert_real(source, tmp_path / "data")


def test_ground_truth_carries_the_weights_to_the_ams(kit, events):
    y = np.column_stack([(events["Label"] == "s").to_numpy(float), events["Weight"]])
    truth = kit.Predictions(y_true=y)
    np.testing.assert_allclose(truth.y_pred.sum(axis=1), y[:, 1])
    signal_proba = np.where(events["DER_mass_MMC"].between(110, 140), 0.9, 0.1)
    predictions = kit.Predictions(y_pred=np.column_stack([1 - signal_proba, signal_proba]))
    ams = next(score for score in kit.score_types if isinstance(score, AMS))
    selected = signal_proba > 0.5
    scale = 250_000 / len(events)
    s = y[selected & (y[:, 0] == 1), 1].sum() * scale
    b = y[selected & (y[:, 0] == 0), 1].sum() * scale
    assert ams.score_function(truth, predictions) == pytest.approx(
        approximate_median_significance(s, b, b_reg=10.0)
    )


RECORDING_CLASSIFIER = """
import numpy as np

seen = {}


class Classifier:
    def fit(self, X, y, **kwargs):
        seen["y"] = np.asarray(y)
        seen["kwargs"] = kwargs
        return self

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)
"""


@pytest.fixture
def recording_submission(tmp_path):
    submission = tmp_path / "recording"
    submission.mkdir()
    (submission / "classifier.py").write_text(RECORDING_CLASSIFIER)
    return submission


def _fit(workflow, submission, events):
    X = events.drop(columns=["EventId", "Weight", "Label"])
    y = np.column_stack([(events["Label"] == "s").to_numpy(float), events["Weight"]])
    model = workflow.train_submission(str(submission), X, y, np.arange(100))
    seen = __import__("sys").modules[type(model).__module__].seen
    return seen, y[:100]


def test_the_model_sees_no_weights_by_default(kit, recording_submission, events):
    seen, y = _fit(kit.workflow, recording_submission, events)
    assert seen["kwargs"] == {}
    np.testing.assert_array_equal(seen["y"], y[:, 0].astype(int))


def test_the_model_gets_sample_weight_when_the_kit_says_so(kit, recording_submission, events):
    workflow = type(kit.workflow)(pass_weights=True)
    seen, y = _fit(workflow, recording_submission, events)
    np.testing.assert_array_equal(seen["y"], y[:, 0].astype(int))
    np.testing.assert_allclose(seen["kwargs"]["sample_weight"], y[:, 1])


def test_starting_kit_trains_and_beats_chance(kit, events, tmp_path):
    shutil.copytree(KIT_DIR / "submissions" / "starting_kit", tmp_path / "starting_kit")
    X = events.drop(columns=["EventId", "Weight", "Label"])
    y = np.column_stack([(events["Label"] == "s").to_numpy(float), events["Weight"]])
    model = kit.workflow.train_submission(str(tmp_path / "starting_kit"), X, y, np.arange(4_000))
    proba = kit.workflow.test_submission(model, X.iloc[4_000:])
    truth = kit.Predictions(y_true=y[4_000:])
    auc = next(s for s in kit.score_types if s.name == "weighted_auc")
    assert auc.score_function(truth, kit.Predictions(y_pred=proba)) > 0.7
