"""Reference features: the light curves folded on the catalogue period.

Each class has a characteristic folded shape: eclipsing binaries stay flat with
sharp dips (skewed towards faint magnitudes), Cepheids and RR Lyrae rise fast and
fade slowly (strong second harmonic), Miras vary by magnitudes over hundreds of
days. A three-harmonic Fourier series fitted to the folded curve captures the
shape; the folded curve's jaggedness says whether the period is right. Binaries
are often listed at half their true period, so the curve is also folded at twice
the period.
"""

import numpy as np
import pandas as pd
from scipy import stats

STATIC = [
    "magnitude_b",
    "magnitude_r",
    "asym_b",
    "asym_r",
    "log_p_not_variable",
    "sigma_flux_b",
    "sigma_flux_r",
    "quality",
    "div_period",
]
N_HARMONICS = 3


def fourier_fit(phase, magnitude):
    """Amplitudes and phases of the harmonics, and the fit's residual spread."""
    columns = [np.ones_like(phase)]
    for k in range(1, N_HARMONICS + 1):
        columns += [np.cos(2 * np.pi * k * phase), np.sin(2 * np.pi * k * phase)]
    design = np.column_stack(columns)
    coefficients, *_ = np.linalg.lstsq(design, magnitude, rcond=None)
    cosines, sines = coefficients[1::2], coefficients[2::2]
    amplitudes = np.hypot(cosines, sines)
    phases = np.arctan2(sines, cosines)
    residual = np.std(magnitude - design @ coefficients)
    return amplitudes, phases, residual


def jaggedness(phase, magnitude):
    """Mean squared jump between neighbours in phase, relative to the variance."""
    order = np.argsort(phase)
    jumps = np.diff(magnitude[order])
    return np.mean(jumps**2) / (2 * np.var(magnitude) + 1e-12)


def curve_features(time, magnitude, period):
    keep = np.isfinite(time) & np.isfinite(magnitude)
    time, magnitude = time[keep], magnitude[keep]
    if len(magnitude) < 2 * N_HARMONICS + 2:
        return {}
    features = {
        "amplitude": np.percentile(magnitude, 95) - np.percentile(magnitude, 5),
        "std": np.std(magnitude),
        "skew": stats.skew(magnitude),
        "kurtosis": stats.kurtosis(magnitude),
        "median_minus_mean": np.median(magnitude) - np.mean(magnitude),
    }
    for label, fold_period in (("p", period), ("2p", 2 * period)):
        phase = (time / fold_period) % 1.0
        amplitudes, phases, residual = fourier_fit(phase, magnitude)
        features[f"{label}_a1"] = amplitudes[0]
        features[f"{label}_r21"] = amplitudes[1] / (amplitudes[0] + 1e-9)
        features[f"{label}_r31"] = amplitudes[2] / (amplitudes[0] + 1e-9)
        features[f"{label}_phi21"] = (phases[1] - 2 * phases[0]) % (2 * np.pi)
        features[f"{label}_residual"] = residual / (features["std"] + 1e-9)
        features[f"{label}_jaggedness"] = jaggedness(phase, magnitude)
    return features


class FeatureExtractor:
    def fit(self, X, y):
        return self

    def transform(self, X):
        rows = []
        for _, star in X.iterrows():
            row = {}
            for band in ("b", "r"):
                features = curve_features(
                    star[f"time_points_{band}"], star[f"light_points_{band}"], star["period"]
                )
                row.update({f"{band}_{name}": value for name, value in features.items()})
            rows.append(row)
        features = pd.DataFrame(rows, index=X.index)
        features[STATIC] = X[STATIC]
        features["log_period"] = np.log10(X["period"])
        features["colour"] = X["magnitude_b"] - X["magnitude_r"]
        return features.to_numpy(dtype=float)
