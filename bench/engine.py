"""Time ``ramplab test`` against ``ramp-test`` on the same kits and submissions.

Usage::

    .venv/bin/python bench/engine.py [--kits titanic hep_detector_anomalies] [--repeat 3] [--floor]

For each benchmark kit (ramp-workflow kits, run unchanged by both
tools), a work copy per tool is made in a temporary folder with the kit's data linked in
from the shared data folder. Each repetition runs ``ramp-test --save-output`` and
``ramplab test --save-output`` end to end as subprocesses (Python start-up and imports
included, as a user sees it), rotating which goes first. ``ramplab test`` is timed
twice: cold (``RAMPLAB_TEST_DAEMON=0``: every run imports the stack, as ramp-test does)
and through its daemon, the default (the daemon is started by one untimed run first,
as a participant's earlier run would have; that first run's time is reported too). It
prints the median wall times, the ratios, and whether the bagged scores
(``bagged_scores.csv``, every n_bag) are identical. Results are also written to
bench/results/engine.json.
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
_RAMPLAB = [str(BIN / "ramplab"), "test", "--submission", "starting_kit", "--save-output"]
TOOLS = {
    "ramp-test": [str(BIN / "ramp-test"), "--submission", "starting_kit", "--save-output"],
    "ramplab": _RAMPLAB,
    "ramplab-daemon": _RAMPLAB,
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


def _environment(threads: int | None, daemon_dir: Path | None = None) -> dict[str, str]:
    environment = dict(os.environ)
    if threads is not None:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            environment[name] = str(threads)
    environment["RAMPLAB_TEST_DAEMON"] = "0" if daemon_dir is None else "1"
    if daemon_dir is not None:
        environment["RAMPLAB_TEST_DAEMON_DIR"] = str(daemon_dir)
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


#: Run in a fresh interpreter with one thread per library: the submission's own work on
#: every fold (fit, predict X_train and X_test), as CPU seconds, on stdout.
FOLD_WORK = """
import sys, time
from problems.kit import load_kit
from problems.kit.engine import load_kit_data
from problems.kit.engine.train import train_fold
kit = load_kit(sys.argv[1])
data = load_kit_data(kit)
started = time.process_time()
for index, fold in enumerate(data.folds):
    train_fold(workflow=kit.workflow, Predictions=kit.Predictions,
               submission_dir=sys.argv[2], X_train=data.X_train, y_train=data.y_train,
               X_test=data.X_test, fold=fold, fold_index=index)
print(time.process_time() - started)
"""
#: Start-up as `ramplab test` pays it: the interpreter, the engine and the kit's imports.
STARTUP = "import sys; from problems.kit import load_kit; load_kit(sys.argv[1])"


def floor_seconds(kit_dir: Path) -> dict[str, float]:
    """The least wall time any tool needs for this kit on this machine, and its parts.

    Start-up (one interpreter importing the stack, which cannot be split across cores)
    plus the submission's own CPU work on all folds spread perfectly over every core.
    """
    environment = {**_environment(1), "PYTHONPATH": str(REPO)}
    submission = str(kit_dir / "submissions" / "starting_kit")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", STARTUP, str(kit_dir)], env=environment, check=True)
    startup = time.perf_counter() - start
    done = subprocess.run(
        [sys.executable, "-c", FOLD_WORK, str(kit_dir), submission],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    fold_cpu = float(done.stdout.split()[-1])
    cpus = os.cpu_count() or 1
    return {"startup_s": startup, "fold_cpu_s": fold_cpu, "floor_s": startup + fold_cpu / cpus}


def bench_kit(
    kit: str,
    repeat: int,
    shared_data: Path,
    ramp_test_threads: int | None,
    nice: int = 0,
    floor: bool = False,
) -> dict[str, object]:
    """Run every tool ``repeat`` times on ``kit``; return times and the score check."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{kit}-") as tmp:
        environments = {
            "ramp-test": _environment(ramp_test_threads),
            "ramplab": _environment(None),
            "ramplab-daemon": _environment(None, daemon_dir=Path(tmp) / "daemon"),
        }
        kits = {tool: _work_copy(kit, Path(tmp) / tool, shared_data) for tool in TOOLS}
        daemon = environments["ramplab-daemon"]
        first_run = _run("ramplab-daemon", kits["ramplab-daemon"], daemon, nice)
        print(f"  {kit}: ramplab-daemon first run (starts it): {first_run:.2f} s", file=sys.stderr)
        times: dict[str, list[float]] = {tool: [] for tool in TOOLS}
        try:
            for i in range(repeat):
                order = list(TOOLS)[i % len(TOOLS) :] + list(TOOLS)[: i % len(TOOLS)]
                for tool in order:
                    times[tool].append(_run(tool, kits[tool], environments[tool], nice))
                    print(f"  {kit}: {tool} run {i + 1}: {times[tool][-1]:.2f} s", file=sys.stderr)
        finally:
            subprocess.run([*TOOLS["ramplab"], "--stop-daemon"], env=daemon, check=False)
        theirs = _bagged(kits["ramp-test"])
        difference = max(
            _largest_difference(_bagged(kits[tool]), theirs)
            for tool in ("ramplab", "ramplab-daemon")
        )
        floor_figures = floor_seconds(kits["ramplab"]) if floor else {}
    medians = {tool: statistics.median(runs) for tool, runs in times.items()}
    return {
        "kit": kit,
        "ramp_test_threads": ramp_test_threads,
        "nice": nice,
        "ramp_test_s": medians["ramp-test"],
        "ramplab_s": medians["ramplab"],
        "ratio": medians["ramplab"] / medians["ramp-test"],
        "ramplab_daemon_s": medians["ramplab-daemon"],
        "daemon_ratio": medians["ramplab-daemon"] / medians["ramp-test"],
        "ramplab_daemon_first_run_s": first_run,
        "runs": times,
        "bagged_max_abs_difference": difference,
        "bagged_identical": difference == 0.0,
        **floor_figures,
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
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure the least time any tool needs here (start-up + fold work / CPUs)",
    )
    args = parser.parse_args()
    results = [
        bench_kit(kit, args.repeat, args.shared_data, args.ramp_test_threads, args.nice, args.floor)
        for kit in args.kits
    ]
    threads = args.ramp_test_threads or "default"
    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, median of {args.repeat} "
        f"runs, ramp-test threads: {threads}, nice {args.nice}"
    )
    print(
        f"{'kit':<24}{'ramp-test':>11}{'ramplab cold':>14}{'ratio':>7}"
        f"{'ramplab daemon':>16}{'ratio':>7}  bagged scores"
    )
    for r in results:
        verdict = (
            "identical"
            if r["bagged_identical"]
            else f"max |diff| = {r['bagged_max_abs_difference']:.1e}"
        )
        print(
            f"{r['kit']:<24}{r['ramp_test_s']:>10.2f}s{r['ramplab_s']:>13.2f}s"
            f"{r['ratio']:>7.2f}{r['ramplab_daemon_s']:>15.2f}s{r['daemon_ratio']:>7.2f}  {verdict}"
        )
        print(
            f"{'':<24}the run that started the daemon: {r['ramplab_daemon_first_run_s']:.2f} s "
            f"(ratio {r['ramplab_daemon_first_run_s'] / r['ramp_test_s']:.2f})"
        )
        if "floor_s" in r:
            print(
                f"{'':<24}floor {r['floor_s']:.2f} s = start-up {r['startup_s']:.2f} s + "
                f"fold work {r['fold_cpu_s']:.2f} CPU-s / {os.cpu_count()} CPUs "
                f"(ratio {r['floor_s'] / r['ramp_test_s']:.2f} of ramp-test at best)"
            )
            warm_floor = r["floor_s"] - r["startup_s"]
            print(
                f"{'':<24}with the stack already imported (the daemon): {warm_floor:.2f} s "
                f"(ratio {warm_floor / r['ramp_test_s']:.2f} at best)"
            )
    results_dir = REPO / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    suffix = "" if args.ramp_test_threads is None else f"-threads{args.ramp_test_threads}"
    suffix += f"-nice{args.nice}" if args.nice else ""
    (results_dir / f"engine{suffix}.json").write_text(json.dumps(results, indent=2))
    return 0 if all(r["bagged_max_abs_difference"] <= 1e-9 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
