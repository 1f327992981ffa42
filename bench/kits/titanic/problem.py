"""Titanic survival, written for ramp-workflow (``import rampwf as rw``).

A benchmark kit for bench/engine.py; its data is linked from /work/shared/data/titanic.
"""

import os

import pandas as pd
import rampwf as rw
from sklearn.model_selection import StratifiedShuffleSplit

problem_title = "Titanic survival classification (benchmark)"

_target_column_name = "Survived"
_ignore_column_names = ["PassengerId"]
_prediction_label_names = [0, 1]

Predictions = rw.prediction_types.make_multiclass(label_names=_prediction_label_names)
workflow = rw.workflows.Estimator()

score_types = [
    rw.score_types.ROCAUC(name="auc"),
    rw.score_types.Accuracy(name="acc"),
    rw.score_types.NegativeLogLikelihood(name="nll"),
]


def get_cv(X, y):
    cv = StratifiedShuffleSplit(n_splits=8, test_size=0.2, random_state=57)
    return cv.split(X, y)


def _read_data(path, f_name):
    data = pd.read_csv(os.path.join(path, "data", f_name))
    y_array = data[_target_column_name].values
    X_df = data.drop([_target_column_name, *_ignore_column_names], axis=1)
    # ramp-test --quick-test sets RAMP_TEST_MODE: keep a small prefix of the rows.
    if os.getenv("RAMP_TEST_MODE", 0):
        return X_df[:100], y_array[:100]
    return X_df, y_array


def get_train_data(path="."):
    return _read_data(path, "train.csv")


def get_test_data(path="."):
    return _read_data(path, "test.csv")
