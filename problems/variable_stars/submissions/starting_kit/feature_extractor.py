"""Starting kit: the static features plus the mean, spread and range of each curve."""

import numpy as np
import pandas as pd

STATIC = [
    "magnitude_b",
    "magnitude_r",
    "period",
    "asym_b",
    "asym_r",
    "log_p_not_variable",
    "sigma_flux_b",
    "sigma_flux_r",
    "quality",
    "div_period",
]


class FeatureExtractor:
    def fit(self, X, y):
        return self

    def transform(self, X):
        features = X[STATIC].copy()
        for band in ("b", "r"):
            curves = X[f"light_points_{band}"]
            features[f"mean_{band}"] = curves.map(np.mean)
            features[f"std_{band}"] = curves.map(np.std)
            features[f"range_{band}"] = curves.map(np.ptp)
        return pd.DataFrame(features).to_numpy(dtype=float)
