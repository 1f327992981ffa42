"""HiggsML: find H -> tau tau decays among background events, scored by AMS.

``y`` is an ``(n, 2)`` float array: column 0 the label (1 = signal ``s``, 0 =
background ``b``), column 1 the event weight. Weights travel with the labels to the
scores; the model sees them only when ``MODEL_SEES_WEIGHTS`` is True (then ``fit``
gets ``sample_weight``). Data: ``data/public/`` (the CERN open data, written by
``prepare_data.py --real PATH``) when present, else ``data/generated/`` (a seeded
simulation, generated on first use if missing). See README.md.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedShuffleSplit

from problems import kit
from problems.kit.score_types.ams import AMS
from problems.kit.score_types.weighted_roc_auc import WeightedROCAUC

problem_title = "Higgs boson machine learning challenge (H -> tau tau)"

KIT_DIR = Path(__file__).resolve().parent

#: Events whose weights sum to the full dataset's totals (see prepare_data.py).
REFERENCE_N_EVENTS = 250_000
#: The decision rule: an event is selected as signal when its signal probability is
#: above SELECTION_THRESHOLD or, if SELECTED_FRACTION is set, when it ranks in that
#: top fraction. Under the threshold rule a model picks its operating point itself.
SELECTION_THRESHOLD = 0.5
SELECTED_FRACTION = None
#: Whether the model's fit receives the event weights as sample_weight.
MODEL_SEES_WEIGHTS = False
QUICK_TEST_ROWS = 2_000


class Predictions(kit.predictions.Multiclass):
    """Probabilities of background and signal; ground truth is weighted one-hot.

    A ground-truth row holds the event's weight in its class's column, which is how
    the AMS and weighted ROC AUC find the weights (and accuracy finds the label).
    """

    label_names = ("b", "s")

    def _from_truth(self, y_true):
        y_true = np.asarray(y_true, dtype=float)
        labels, weights = (y_true, np.ones(len(y_true))) if y_true.ndim == 1 else y_true.T
        truth = np.zeros((len(y_true), 2))
        truth[np.arange(len(y_true)), labels.astype(int)] = weights
        return truth


class EventClassifier:
    """``classifier.py`` defines ``Classifier`` with ``fit(X, y)`` and ``predict_proba``.

    ``y`` given to ``fit`` holds the labels only (1 = signal); with
    ``pass_weights=True`` fit is called as ``fit(X, y, sample_weight=weights)``.
    """

    def __init__(self, *, pass_weights=False, element_name="classifier"):
        self.pass_weights = pass_weights
        self.element_name = element_name

    @property
    def element_names(self):
        return [self.element_name]

    def train_submission(self, module_path, X, y, train_is=None):
        model = kit.workflows.import_element(module_path, self.element_name).Classifier()
        X_rows = kit.workflows.take_rows(X, train_is)
        y_rows = np.asarray(kit.workflows.take_rows(y, train_is), dtype=float)
        labels = y_rows[:, 0].astype(int)
        if self.pass_weights:
            model.fit(X_rows, labels, sample_weight=y_rows[:, 1])
        else:
            model.fit(X_rows, labels)
        return model

    def test_submission(self, trained_model, X):
        return trained_model.predict_proba(X)


workflow = EventClassifier(pass_weights=MODEL_SEES_WEIGHTS)

score_types = [
    AMS(
        name="ams",
        precision=3,
        b_reg=10.0,
        threshold=SELECTION_THRESHOLD,
        top_fraction=SELECTED_FRACTION,
        reference_n_events=REFERENCE_N_EVENTS,
    ),
    WeightedROCAUC(name="weighted_auc", precision=4),
    kit.score_types.Accuracy(name="accuracy", precision=4),
]


def get_cv(X, y):
    cv = StratifiedShuffleSplit(n_splits=5, test_size=0.2, random_state=57)
    return cv.split(X, y[:, 0])


def _data_file(path, file_name):
    data_dir = Path(path) / "data"
    public = data_dir / "public" / file_name
    if public.is_file():
        return public
    generated = data_dir / "generated" / file_name
    if not generated.is_file():
        kit.data.load_prepare_data(KIT_DIR).write_generated(data_dir)
    return generated


def _read(path, file_name):
    nrows = QUICK_TEST_ROWS if kit.data.is_quick_test() else None
    events = pd.read_csv(_data_file(path, file_name), nrows=nrows)
    X = events.drop(columns=["EventId", "Weight", "Label"])
    y = np.column_stack([(events["Label"] == "s").to_numpy(float), events["Weight"]])
    return X, y


def get_train_data(path="."):
    return _read(path, "train.csv")


def get_test_data(path="."):
    return _read(path, "test.csv")
