"""Variable stars: classify EROS-1 light curves as binaries, Cepheids, RR Lyrae or Miras.

``X`` is a DataFrame indexed by star id: the static features of ``data/<set>.csv``
(magnitudes, period, asymmetries, ...) plus one object column per light-curve
series of ``data/<set>_varlength_features.csv.gz`` (``time_points_b``,
``light_points_r``, ...), each cell a float numpy array. ``y`` holds the type:
1 binary, 2 Cepheid, 3 RR Lyrae, 4 Mira. See README.md.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from problems import kit

problem_title = "Variable star classification (EROS-1 light curves)"

TARGET = "type"
TYPE_NAMES = {1: "binary", 2: "cepheid", 3: "rr_lyrae", 4: "mira"}
QUICK_TEST_ROWS = 300


class Predictions(kit.predictions.Multiclass):
    label_names = tuple(TYPE_NAMES)


workflow = kit.workflows.FeatureExtractorClassifier()

score_types = [
    kit.score_types.Accuracy(name="accuracy", precision=3),
    kit.score_types.NegativeLogLikelihood(name="nll", precision=3),
]


def get_cv(X, y):
    cv = StratifiedKFold(n_splits=8, shuffle=True, random_state=57)
    return cv.split(X, y)


def parse_float_list(text):
    """``"[1.5, 2.0]"`` as ``array([1.5, 2.])``; also reads ``nan`` and ``inf``.

    The public kit parsed these cells with pandas ``applymap``, gone in pandas 3;
    ``json`` parses them in C and is strict, so anything else falls back to a
    per-token ``float``.
    """
    try:
        return np.asarray(json.loads(text), dtype=float)
    except (ValueError, TypeError):
        tokens = str(text).strip().strip("[]").split(",")
        return np.array([float(token) for token in tokens if token.strip()], dtype=float)


def _read(path, name):
    data_dir = Path(path) / "data"
    nrows = QUICK_TEST_ROWS if kit.data.is_quick_test() else None
    static = pd.read_csv(data_dir / f"{name}.csv", index_col=0, nrows=nrows)
    curves_file = data_dir / f"{name}_varlength_features.csv.gz"
    curves = pd.read_csv(curves_file, index_col=0, nrows=nrows)
    if not curves.index.equals(static.index):
        # Both files list the stars in the same order; read all if one day they do not.
        curves = pd.read_csv(curves_file, index_col=0).reindex(static.index)
        if curves.isna().any().any():
            raise ValueError(f"{curves_file} lacks light curves of some stars of {name}.csv.")
    curves = curves.apply(lambda column: column.map(parse_float_list)).astype(object)
    static.index.name = curves.index.name = "star"
    y = static[TARGET].astype(int).to_numpy()
    return static.drop(columns=[TARGET]).join(curves), y


def get_train_data(path="."):
    return _read(path, "train")


def get_test_data(path="."):
    return _read(path, "test")
