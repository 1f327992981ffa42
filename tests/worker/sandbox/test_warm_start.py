"""Sandboxes started ahead of their job: they warm up, wait at the gate, then run once.

The program inside uses the runner's side of the gate (worker/runner/gate.py), as the
real runner does; the job's file is written only after the sandbox has started.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from tests.worker.sandbox.conftest import TEST_LIMITS, Job
from worker.sandbox import Limits, Mount, Sandbox, SandboxSpec, StartedRun

GATED_PROGRAM = """
    import sys, time
    print("warming up", flush=True)
    time.sleep(float(sys.argv[1]))
    from worker.runner.gate import DiscardedError, wait_at_gate
    try:
        wait_at_gate()
    except DiscardedError:
        print("discarded", flush=True)
        sys.exit(3)
    print("released", flush=True)
    print(open("/job/submission/late.txt").read(), flush=True)
    open("/job/output/done.txt", "w").write("done")
"""


def start(sandbox: Sandbox, job: Job, *, warm_up_seconds: float, limits: Limits) -> StartedRun:
    script = job.submission / "main.py"
    script.write_text(textwrap.dedent(GATED_PROGRAM))
    script.chmod(0o644)
    spec = SandboxSpec(
        argv=(sandbox.python, "/job/submission/main.py", str(warm_up_seconds)),
        output_dir=job.output,
        mounts=(Mount(job.submission, "/job/submission"),),
        limits=limits,
    )
    return sandbox.start(spec)


def wait_until_warm(run: StartedRun, timeout: float = 30) -> float:
    started = time.monotonic()
    while not run.is_warm():
        assert time.monotonic() - started < timeout, "the sandbox never reached its gate"
        time.sleep(0.01)
    return time.monotonic() - started


def gate_folders(tmp_path: Path) -> list[Path]:
    return list(tmp_path.glob("**/gate-*"))


def test_a_started_sandbox_waits_at_its_gate_for_its_job(sandbox: Sandbox, job: Job) -> None:
    run = start(sandbox, job, warm_up_seconds=0.5, limits=TEST_LIMITS)
    assert not run.is_warm()  # still sleeping before the gate
    assert wait_until_warm(run) >= 0.4
    time.sleep(0.5)
    assert not (job.output / "done.txt").exists()
    # The job's file is written while the sandbox already runs, as the worker does.
    late = job.submission / "late.txt"
    late.write_text("written after the start")
    late.chmod(0o644)

    result = run.release()

    assert result.ok, result.log
    assert b"warming up\nreleased\nwritten after the start" in result.log
    assert (job.output / "done.txt").read_text() == "done"
    assert gate_folders(job.root) == []


def test_the_time_limit_counts_from_the_release(sandbox: Sandbox, job: Job) -> None:
    # A warm-up longer than the job's time limit does not eat into the job's time.
    limits = Limits(**{**TEST_LIMITS.__dict__, "wall_seconds": 1.0})
    run = start(sandbox, job, warm_up_seconds=1.5, limits=limits)
    wait_until_warm(run)
    (job.submission / "late.txt").write_text("ok")
    (job.submission / "late.txt").chmod(0o644)

    result = run.release()

    assert result.ok, result.failure
    assert result.wall_seconds < 1.0


def test_a_discarded_sandbox_never_runs_its_job(sandbox: Sandbox, job: Job) -> None:
    run = start(sandbox, job, warm_up_seconds=0, limits=TEST_LIMITS)
    wait_until_warm(run)

    run.discard()
    run.discard()  # twice is harmless

    assert gate_folders(job.root) == []
    assert not (job.output / "done.txt").exists()
    # (for docker, the fixture checks that no container is left)


def test_a_program_that_ignores_the_gate_just_runs(sandbox: Sandbox, job: Job) -> None:
    result = job.run(sandbox, "print('no gate here')")
    assert result.ok and result.log == b"no gate here\n"


@pytest.mark.parametrize("released", [True, False])
def test_nothing_is_left_behind_when_a_started_run_dies_early(
    sandbox: Sandbox, job: Job, released: bool
) -> None:
    script = job.submission / "main.py"
    script.write_text("raise SystemExit(7)\n")
    script.chmod(0o644)
    spec = SandboxSpec(
        argv=(sandbox.python, "/job/submission/main.py"),
        output_dir=job.output,
        mounts=(Mount(job.submission, "/job/submission"),),
        limits=TEST_LIMITS,
    )
    run = sandbox.start(spec)
    wait_until_warm(run)  # an ended program counts as warm: releasing it reports its end
    if released:
        assert run.release().exit_code == 7
    else:
        run.discard()
    assert gate_folders(job.root) == []
