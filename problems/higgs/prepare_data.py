"""Put the HiggsML data in place: the public CERN data when given, else a simulation.

    python prepare_data.py                 # seeded simulation -> data/generated/
    python prepare_data.py --real PATH     # CERN open data CSV -> data/public/

``--real`` takes ``atlas-higgs-challenge-2014-v2.csv`` from the CERN Open Data Portal
(818,238 events; see README.md). Without it, a seeded generator writes events with the
same schema: the 30 ``DER_``/``PRI_`` features, ``-999.0`` where a feature is undefined,
``Weight`` and ``Label`` (``s``/``b``). It mimics the physics only roughly (a 125 GeV
resonance for signal, a Z peak and continua for background, jets from 0 to 3): enough
for the kit to be meaningful, not for physics.

Weights follow one convention in both cases: ``REFERENCE_N_EVENTS`` (250,000) events
carry the totals of the Kaggle training set (signal ~692, background ~411,000), so a
file of ``n`` events carries ``n / 250,000`` of them. ``problem.py``'s AMS rescales
by ``250,000 / n`` for ``n`` scored events.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

KIT_DIR = Path(__file__).resolve().parent
REFERENCE_N_EVENTS = 250_000
SIGNAL_WEIGHT_TOTAL = 691.99
BACKGROUND_WEIGHT_TOTAL = 410_999.85
UNDEFINED = -999.0

FEATURE_NAMES = (
    "DER_mass_MMC",
    "DER_mass_transverse_met_lep",
    "DER_mass_vis",
    "DER_pt_h",
    "DER_deltaeta_jet_jet",
    "DER_mass_jet_jet",
    "DER_prodeta_jet_jet",
    "DER_deltar_tau_lep",
    "DER_pt_tot",
    "DER_sum_pt",
    "DER_pt_ratio_lep_tau",
    "DER_met_phi_centrality",
    "DER_lep_eta_centrality",
    "PRI_tau_pt",
    "PRI_tau_eta",
    "PRI_tau_phi",
    "PRI_lep_pt",
    "PRI_lep_eta",
    "PRI_lep_phi",
    "PRI_met",
    "PRI_met_phi",
    "PRI_met_sumet",
    "PRI_jet_num",
    "PRI_jet_leading_pt",
    "PRI_jet_leading_eta",
    "PRI_jet_leading_phi",
    "PRI_jet_subleading_pt",
    "PRI_jet_subleading_eta",
    "PRI_jet_subleading_phi",
    "PRI_jet_all_pt",
)
#: Features undefined (-999.0) when the event has fewer jets than this.
JETS_NEEDED = {
    "PRI_jet_leading_pt": 1,
    "PRI_jet_leading_eta": 1,
    "PRI_jet_leading_phi": 1,
    "PRI_jet_subleading_pt": 2,
    "PRI_jet_subleading_eta": 2,
    "PRI_jet_subleading_phi": 2,
    "DER_deltaeta_jet_jet": 2,
    "DER_mass_jet_jet": 2,
    "DER_prodeta_jet_jet": 2,
    "DER_lep_eta_centrality": 2,
}
GENERATED_N_TRAIN = 50_000
GENERATED_N_TEST = 20_000
GENERATED_SEED = 2014

# Processes: signal H->tautau, and Z->tautau, ttbar, W+jets backgrounds.
_PROCESSES = ("higgs", "z", "ttbar", "w")
_BACKGROUND_SHARES = (0.45, 0.15, 0.40)
_JET_NUM_PROBABILITIES = {
    "higgs": (0.30, 0.32, 0.24, 0.14),
    "z": (0.50, 0.30, 0.14, 0.06),
    "ttbar": (0.04, 0.18, 0.36, 0.42),
    "w": (0.46, 0.31, 0.16, 0.07),
}
_MASS_MMC_UNDEFINED = {"higgs": 0.06, "z": 0.10, "ttbar": 0.20, "w": 0.25}


def _wrap(phi: np.ndarray) -> np.ndarray:
    return np.asarray((phi + np.pi) % (2 * np.pi) - np.pi)


def _pair_mass(pt1, eta1, phi1, pt2, eta2, phi2):
    """Invariant mass of two massless objects."""
    return np.sqrt(np.maximum(2 * pt1 * pt2 * (np.cosh(eta1 - eta2) - np.cos(phi1 - phi2)), 0))


def generate_events(n_events: int, *, seed: int) -> pd.DataFrame:
    """Simulated events with the public schema: EventId, 30 features, Weight, Label.

    About a third of the events are signal by count, but their total weight is
    ~1/600 of the background's, as in the real data.
    """
    rng = np.random.default_rng(seed)
    n = n_events
    is_signal = rng.random(n) < 1 / 3
    process = np.where(is_signal, "higgs", rng.choice(_PROCESSES[1:], size=n, p=_BACKGROUND_SHARES))
    jet_num = np.zeros(n, dtype=int)
    for name, probabilities in _JET_NUM_PROBABILITIES.items():
        rows = process == name
        jet_num[rows] = rng.choice(4, size=rows.sum(), p=probabilities)

    # The tau pair: a resonance (H at 125 GeV, Z at 91 GeV) or no resonance at all.
    resonance_mass = np.select(
        [process == "higgs", process == "z"],
        [rng.normal(125.0, 4.0, n), rng.normal(91.2, 3.0, n)],
        default=rng.gamma(4.0, 30.0, n),
    )
    boost = rng.exponential(np.where(process == "higgs", 45.0, 30.0)) + 12.0 * jet_num
    visible_fraction = rng.beta(4.0, 2.5, n)
    share = rng.beta(3.0, 2.0, n)
    visible_pt = resonance_mass * visible_fraction
    tau_pt = 20.0 + share * visible_pt * 0.9 + rng.exponential(6.0, n)
    lep_pt = 20.0 + (1 - share) * visible_pt * 0.7 + rng.exponential(5.0, n)
    w_like = np.isin(process, ("w", "ttbar"))
    tau_pt = np.where(w_like, 20.0 + rng.exponential(25.0, n), tau_pt)
    lep_pt = np.where(w_like, 20.0 + rng.exponential(22.0, n), lep_pt)
    tau_eta = np.clip(rng.normal(0.0, 1.1, n), -2.5, 2.5)
    lep_eta = np.clip(tau_eta + rng.normal(0.0, 0.9, n), -2.5, 2.5)
    tau_phi = rng.uniform(-np.pi, np.pi, n)
    # Resonance decay products fly back to back, less so when the pair is boosted.
    opening = np.pi - np.abs(rng.normal(0.0, 0.4 + boost / 120.0, n))
    lep_phi = _wrap(np.where(w_like, tau_phi + np.pi + rng.normal(0.0, 1.3, n), tau_phi + opening))
    met = np.where(
        w_like,
        15.0 + rng.exponential(np.where(process == "ttbar", 55.0, 35.0)),
        resonance_mass * (1 - visible_fraction) * 0.6 + rng.exponential(10.0, n),
    )
    met_phi = _wrap(
        np.where(w_like, rng.uniform(-np.pi, np.pi, n), tau_phi + rng.normal(0.0, 0.8, n))
    )

    # Jets, ordered by pt; VBF signal jets are far apart in eta.
    leading_pt = 30.0 + rng.exponential(np.where(process == "ttbar", 70.0, 40.0))
    subleading_pt = 30.0 + (leading_pt - 30.0) * rng.beta(2.0, 2.0, n)
    third_pt = np.where(jet_num == 3, 30.0 + rng.exponential(20.0, n), 0.0)
    eta_spread = np.where(process == "higgs", 2.3, 1.6)
    leading_eta = np.clip(rng.normal(0.0, eta_spread), -4.5, 4.5)
    subleading_eta = np.clip(rng.normal(0.0, eta_spread), -4.5, 4.5)
    leading_phi = rng.uniform(-np.pi, np.pi, n)
    subleading_phi = rng.uniform(-np.pi, np.pi, n)
    has_1, has_2 = jet_num >= 1, jet_num >= 2
    jet_all_pt = has_1 * leading_pt + has_2 * subleading_pt + third_pt

    def px_py(pt, phi):
        return pt * np.cos(phi), pt * np.sin(phi)

    h_x, h_y = (sum(parts) for parts in zip(*(px_py(tau_pt, tau_phi), px_py(lep_pt, lep_phi))))
    met_x, met_y = px_py(met, met_phi)
    j1_x, j1_y = px_py(has_1 * leading_pt, leading_phi)
    j2_x, j2_y = px_py(has_2 * subleading_pt, subleading_phi)
    mass_vis = _pair_mass(tau_pt, tau_eta, tau_phi, lep_pt, lep_eta, lep_phi)
    mass_mmc = np.where(
        w_like,
        mass_vis * 1.3 + rng.exponential(35.0, n),
        resonance_mass * rng.normal(1.0, 0.2, n),
    )
    mass_mmc_undefined = rng.random(n) < pd.Series(process).map(_MASS_MMC_UNDEFINED).to_numpy()
    sign = np.sign(np.sin(tau_phi - lep_phi))
    a = np.sin(met_phi - lep_phi) * sign
    b = np.sin(tau_phi - met_phi) * sign
    eta_gap = leading_eta - subleading_eta
    features = {
        "DER_mass_MMC": np.where(mass_mmc_undefined, UNDEFINED, mass_mmc),
        "DER_mass_transverse_met_lep": np.sqrt(
            np.maximum(2 * lep_pt * met * (1 - np.cos(lep_phi - met_phi)), 0)
        ),
        "DER_mass_vis": mass_vis,
        "DER_pt_h": np.hypot(h_x + met_x, h_y + met_y),
        "DER_deltaeta_jet_jet": np.abs(eta_gap),
        "DER_mass_jet_jet": _pair_mass(
            leading_pt, leading_eta, leading_phi, subleading_pt, subleading_eta, subleading_phi
        ),
        "DER_prodeta_jet_jet": leading_eta * subleading_eta,
        "DER_deltar_tau_lep": np.hypot(tau_eta - lep_eta, _wrap(tau_phi - lep_phi)),
        "DER_pt_tot": np.hypot(h_x + met_x + j1_x + j2_x, h_y + met_y + j1_y + j2_y),
        "DER_sum_pt": tau_pt + lep_pt + jet_all_pt,
        "DER_pt_ratio_lep_tau": lep_pt / tau_pt,
        "DER_met_phi_centrality": (a + b) / np.sqrt(np.maximum(a**2 + b**2, 1e-12)),
        "DER_lep_eta_centrality": np.exp(
            -4.0
            / np.maximum(eta_gap**2, 1e-6)
            * (lep_eta - (leading_eta + subleading_eta) / 2) ** 2
        ),
        "PRI_tau_pt": tau_pt,
        "PRI_tau_eta": tau_eta,
        "PRI_tau_phi": tau_phi,
        "PRI_lep_pt": lep_pt,
        "PRI_lep_eta": lep_eta,
        "PRI_lep_phi": lep_phi,
        "PRI_met": met,
        "PRI_met_phi": met_phi,
        "PRI_met_sumet": tau_pt + lep_pt + jet_all_pt + met + rng.gamma(3.0, 40.0, n),
        "PRI_jet_num": jet_num,
        "PRI_jet_leading_pt": leading_pt,
        "PRI_jet_leading_eta": leading_eta,
        "PRI_jet_leading_phi": leading_phi,
        "PRI_jet_subleading_pt": subleading_pt,
        "PRI_jet_subleading_eta": subleading_eta,
        "PRI_jet_subleading_phi": subleading_phi,
        "PRI_jet_all_pt": jet_all_pt,
    }
    events = pd.DataFrame({name: np.round(features[name], 3) for name in FEATURE_NAMES})
    for name, jets_needed in JETS_NEEDED.items():
        events.loc[jet_num < jets_needed, name] = UNDEFINED
    events.insert(0, "EventId", np.arange(100_000, 100_000 + n))
    events["Weight"] = _weights(rng, process)
    events["Label"] = np.where(is_signal, "s", "b")
    return events


def _weights(rng: np.random.Generator, process: np.ndarray) -> np.ndarray:
    """Per-event weights whose class totals are exactly ``n / 250,000`` of the real ones."""
    n = len(process)
    # Real background weights span 0.02 to 7 depending on the process; signal's are
    # nearly constant.
    spread = {"higgs": 0.1, "z": 0.3, "ttbar": 0.4, "w": 0.5}
    scale = {"higgs": 1.0, "z": 1.0, "ttbar": 0.3, "w": 3.0}
    raw = np.ones(n)
    for name in _PROCESSES:
        rows = process == name
        raw[rows] = scale[name] * rng.lognormal(0.0, spread[name], rows.sum())
    weights = np.empty(n)
    for rows, total in (
        (process == "higgs", SIGNAL_WEIGHT_TOTAL),
        (process != "higgs", BACKGROUND_WEIGHT_TOTAL),
    ):
        weights[rows] = raw[rows] / raw[rows].sum() * total * n / REFERENCE_N_EVENTS
    return weights


def _write_csv_atomically(frame: pd.DataFrame, path: Path) -> None:
    # Two processes (a test and the server, say) may generate at once: each writes
    # its own temporary file and the rename is atomic, so no reader sees half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_csv(temporary, index=False)
    os.replace(temporary, path)


def write_generated(data_dir: Path = KIT_DIR / "data") -> None:
    """Write the seeded simulation to ``data_dir/generated/{train,test}.csv``."""
    events = generate_events(GENERATED_N_TRAIN + GENERATED_N_TEST, seed=GENERATED_SEED)
    train, test = events.iloc[:GENERATED_N_TRAIN], events.iloc[GENERATED_N_TRAIN:]
    for frame, name in ((train, "train.csv"), (test, "test.csv")):
        frame = frame.copy()
        # Each file carries its own share of the totals (see the module docstring).
        for label in ("s", "b"):
            rows = frame["Label"] == label
            share = events.loc[events["Label"] == label, "Weight"].sum() * len(frame) / len(events)
            frame.loc[rows, "Weight"] *= share / frame.loc[rows, "Weight"].sum()
        _write_csv_atomically(frame, data_dir / "generated" / name)


def convert_real(source: Path, data_dir: Path = KIT_DIR / "data") -> None:
    """Split the CERN open-data CSV into ``data_dir/public/{train,test}.csv``.

    Train is the Kaggle training set (``KaggleSet == "t"``, 250,000 events); test is
    the public and private leaderboard sets (``"b"`` and ``"v"``, 550,000 events).
    Weights are ``KaggleWeight`` (each Kaggle set normalised to the full totals)
    times ``n_set / 250,000``, the kit's convention.
    """
    data = pd.read_csv(source)
    missing = {"EventId", "Weight", "Label", "KaggleSet", "KaggleWeight", *FEATURE_NAMES}
    missing -= set(data.columns)
    if missing:
        raise ValueError(f"{source} lacks the columns {sorted(missing)}: is it the CERN CSV?")
    set_size = data["KaggleSet"].map(data["KaggleSet"].value_counts())
    data["Weight"] = data["KaggleWeight"] * set_size / REFERENCE_N_EVENTS
    columns = ["EventId", *FEATURE_NAMES, "Weight", "Label"]
    for kaggle_sets, name in ((["t"], "train.csv"), (["b", "v"], "test.csv")):
        rows = data["KaggleSet"].isin(kaggle_sets)
        _write_csv_atomically(data.loc[rows, columns], data_dir / "public" / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=Path, help="the CERN open-data CSV (see README.md)")
    parser.add_argument("--data-dir", type=Path, default=KIT_DIR / "data")
    arguments = parser.parse_args(argv)
    if arguments.real is not None:
        convert_real(arguments.real, arguments.data_dir)
        print(f"Wrote {arguments.data_dir / 'public'} from {arguments.real}.")
    else:
        write_generated(arguments.data_dir)
        print(f"Wrote simulated events to {arguments.data_dir / 'generated'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
