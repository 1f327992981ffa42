"""Per-run overhead of each isolating backend: `python -c pass` inside vs directly.

The bounds are loose (the CI machine is small and shared); the benchmark targets are
1.5 s for docker and 0.3 s for bubblewrap. Run with -s to see the figures.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

from tests.worker.sandbox.conftest import TEST_LIMITS
from worker.sandbox import Sandbox, SandboxSpec
from worker.sandbox.runtime import host_python_env

LOOSE_BOUND_SECONDS = {"docker": 3.0, "bubblewrap": 1.0}
REPEATS = 3


def _median_seconds(run: object, repeats: int = REPEATS) -> float:
    assert callable(run)
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def test_overhead_per_run_is_small(sandbox: Sandbox, tmp_path: Path) -> None:
    spec = SandboxSpec(
        argv=(sandbox.python, "-c", "pass"), output_dir=tmp_path / "out", limits=TEST_LIMITS
    )

    def run_sandboxed() -> None:
        assert sandbox.run(spec).ok

    def run_directly() -> None:
        subprocess.run([sandbox.python, "-c", "pass"], env=host_python_env(), check=True)

    run_sandboxed()  # warm-up: page cache, docker client connection
    overhead = _median_seconds(run_sandboxed) - _median_seconds(run_directly)
    print(f"\n{sandbox.name}: {overhead:.3f} s overhead per run")
    assert overhead < LOOSE_BOUND_SECONDS[sandbox.name]
