"""Time ``ramplab test`` against ``ramp-test`` on the same kits and submissions.

Usage::

    .venv/bin/python bench/engine.py [--kits titanic hep_detector_anomalies] [--repeat 3]

For each benchmark kit (ramp-workflow kits, run unchanged by both
tools), two work copies are made in a temporary folder with the kit's data linked in
from the shared data folder. Each repetition runs ``ramp-test --save-output`` and
``ramplab test --save-output`` end to end as subprocesses (Python start-up and imports
included, as a user sees it), alternating which goes first. It prints the median wall
times, their ratio, and whether the bagged scores (``bagged_scores.csv``, every n_bag)
are identical. Results are also written to bench/results/engine.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from problems.kit.engine import read_bagged_scores  # noqa: E402

#: bench kit -> its folder (ramp-workflow kits; titanic is the compatibility test's fixture)
BENCH_KITS = {
    "titanic": REPO / "tests" / "fixtures" / "rampwf_titanic",
    "hep_detector_anomalies": REPO / "bench" / "kits" / "hep_detector_anomalies",
}
SHARED_DATA = REPO.parent / "shared" / "data"
#: bench kit -> folder of /work/shared/data holding its csv files
DATA_FOLDERS = {"titanic": "titanic", "hep_detector_anomalies": "HEP_detector_anomalies"}
BIN = Path(sys.executable).parent
TOOLS = {
    "ramp-test": [str(BIN / "ramp-test"), "--submission", "starting_kit", "--save-output"],
    "ramplab": [str(BIN / "ramplab"), "test", "--submission", "starting_kit", "--save-output"],
}


def _work_copy(kit: str, target: Path, shared_data: Path) -> Path:
    # The data comes from shared/data, linked rather than copied.
    ignored = shutil.ignore_patterns("training_output", "data")
    shutil.copytree(BENCH_KITS[kit], target, ignore=ignored)
    data = target / "data"
    data.mkdir()
    for source in sorted((shared_data / DATA_FOLDERS[kit]).iterdir()):
        (data / source.name).symlink_to(source)
    return target


def _environment(threads: int | None) -> dict[str, str]:
    environment = dict(os.environ)
    if threads is not None:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            environment[name] = str(threads)
    return environment


def _run(tool: str, kit_dir: Path, environment: dict[str, str], nice: int) -> float:
    shutil.rmtree(kit_dir / "submissions" / "starting_kit" / "training_output", True)
    start = time.perf_counter()
    completed = subprocess.run(
        TOOLS[tool],
        cwd=kit_dir,
        capture_output=True,
        text=True,
        env=environment,
        # Same priority for both tools; a negative value shields them from other load.
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"{tool} failed on {kit_dir}:\n{completed.stdout}\n{completed.stderr}")
    return seconds


def _bagged(kit_dir: Path) -> dict[str, list[dict[str, float]]]:
    output = kit_dir / "submissions" / "starting_kit" / "training_output"
    return read_bagged_scores(output / "bagged_scores.csv")


def _largest_difference(
    ours: dict[str, list[dict[str, float]]], theirs: dict[str, list[dict[str, float]]]
) -> float:
    if ours.keys() != theirs.keys():
        return float("inf")
    difference = 0.0
    for step, curve in theirs.items():
        if len(curve) != len(ours[step]):
            return float("inf")
        for their_scores, our_scores in zip(curve, ours[step]):
            for name, value in their_scores.items():
                difference = max(difference, abs(our_scores[name] - value))
    return difference


def bench_kit(
    kit: str, repeat: int, shared_data: Path, ramp_test_threads: int | None, nice: int = 0
) -> dict[str, object]:
    """Run both tools ``repeat`` times on ``kit``; return times and the score check."""
    environments = {"ramp-test": _environment(ramp_test_threads), "ramplab": _environment(None)}
    with tempfile.TemporaryDirectory(prefix=f"bench-{kit}-") as tmp:
        kits = {tool: _work_copy(kit, Path(tmp) / tool, shared_data) for tool in TOOLS}
        times: dict[str, list[float]] = {tool: [] for tool in TOOLS}
        for i in range(repeat):
            order = list(TOOLS) if i % 2 == 0 else list(reversed(TOOLS))
            for tool in order:
                times[tool].append(_run(tool, kits[tool], environments[tool], nice))
                print(f"  {kit}: {tool} run {i + 1}: {times[tool][-1]:.2f} s", file=sys.stderr)
        difference = _largest_difference(_bagged(kits["ramplab"]), _bagged(kits["ramp-test"]))
    theirs = statistics.median(times["ramp-test"])
    ours = statistics.median(times["ramplab"])
    return {
        "kit": kit,
        "ramp_test_threads": ramp_test_threads,
        "nice": nice,
        "ramp_test_s": theirs,
        "ramplab_s": ours,
        "ratio": ours / theirs,
        "runs": times,
        "bagged_max_abs_difference": difference,
        "bagged_identical": difference == 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kits", nargs="+", default=list(DATA_FOLDERS), choices=DATA_FOLDERS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shared-data", type=Path, default=SHARED_DATA)
    parser.add_argument(
        "--ramp-test-threads",
        type=int,
        default=None,
        help="set OMP/OpenBLAS/MKL_NUM_THREADS for ramp-test only (default: library default)",
    )
    parser.add_argument(
        "--nice", type=int, default=0, help="niceness of both tools (negative needs root)"
    )
    args = parser.parse_args()
    results = [
        bench_kit(kit, args.repeat, args.shared_data, args.ramp_test_threads, args.nice)
        for kit in args.kits
    ]
    threads = args.ramp_test_threads or "default"
    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, median of {args.repeat} "
        f"runs, ramp-test threads: {threads}, nice {args.nice}"
    )
    print(f"{'kit':<24}{'ramp-test':>11}{'ramplab':>10}{'ratio':>8}  bagged scores")
    for r in results:
        verdict = (
            "identical"
            if r["bagged_identical"]
            else f"max |diff| = {r['bagged_max_abs_difference']:.1e}"
        )
        print(
            f"{r['kit']:<24}{r['ramp_test_s']:>10.2f}s{r['ramplab_s']:>9.2f}s"
            f"{r['ratio']:>8.2f}  {verdict}"
        )
    results_dir = REPO / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    suffix = "" if args.ramp_test_threads is None else f"-threads{args.ramp_test_threads}"
    suffix += f"-nice{args.nice}" if args.nice else ""
    (results_dir / f"engine{suffix}.json").write_text(json.dumps(results, indent=2))
    return 0 if all(r["bagged_max_abs_difference"] <= 1e-9 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
