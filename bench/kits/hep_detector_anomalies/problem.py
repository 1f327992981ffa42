"""HEP detector anomalies, written for ramp-workflow (a benchmark kit for bench/engine.py).

Tell distorted ("skewed") collision events from normal ones using 16 ATLAS HiggsML
kinematic features. The data is not copied here: bench/engine.py links
/work/shared/data/HEP_detector_anomalies/*.csv.gz into a data/ folder of a work copy.
"""

import os

import pandas as pd
import rampwf as rw
from sklearn.model_selection import StratifiedShuffleSplit

problem_title = "HEP detector anomalies (benchmark)"

_target_column_name = "isSkewed"
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
    X_df = data.drop(columns=[_target_column_name])
    if os.getenv("RAMP_TEST_MODE", 0):
        return X_df[:1000], y_array[:1000]
    return X_df, y_array


def get_train_data(path="."):
    return _read_data(path, "train.csv.gz")


def get_test_data(path="."):
    return _read_data(path, "test.csv.gz")
