"""The start gate's two sides, without a sandbox: released, discarded, orphaned."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from worker.runner.gate import GATE_ENV
from worker.sandbox.gate import Gate
from worker.sandbox.runtime import PROJECT_ROOT

WAITER = """
from worker.runner.gate import DiscardedError, wait_at_gate
try:
    wait_at_gate()
except DiscardedError:
    raise SystemExit("discarded")
print("went")
"""


def waiter(gate_dir: Path) -> subprocess.Popen[str]:
    env = {"PYTHONPATH": str(PROJECT_ROOT), GATE_ENV: str(gate_dir)}
    return subprocess.Popen(
        [sys.executable, "-c", WAITER], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_program_waits_until_the_gate_opens(tmp_path: Path) -> None:
    gate = Gate(tmp_path)
    program = waiter(gate.dir)
    assert not gate.open()  # not warm yet: nothing to let through
    wait_for(gate.is_waiting)
    time.sleep(0.3)
    assert program.poll() is None  # warm, and waiting

    assert gate.open()

    assert program.communicate(timeout=20)[0] == "went\n"
    gate.remove()
    assert not gate.dir.exists()


def test_a_discarded_program_ends_without_going_on(tmp_path: Path) -> None:
    gate = Gate(tmp_path)
    program = waiter(gate.dir)
    wait_for(gate.is_waiting)

    gate.remove()

    output, _ = program.communicate(timeout=20)
    assert program.returncode == 1 and output == "discarded\n"


@pytest.mark.parametrize("when", ["before it is warm", "while it waits"])
def test_a_program_whose_worker_died_does_not_wait_for_it(tmp_path: Path, when: str) -> None:
    # The gate's worker side lives in another process, killed as a crashed worker is.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from worker.sandbox.gate import Gate; "
         "print(Gate(__import__('pathlib').Path(sys.argv[1])).dir, flush=True); time.sleep(600)",
         str(tmp_path)],
        env={"PYTHONPATH": str(PROJECT_ROOT)}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None
    gate_dir = Path(holder.stdout.readline().strip())
    if when == "before it is warm":
        holder.kill()
        holder.wait()
    program = waiter(gate_dir)
    if when == "while it waits":
        time.sleep(1.0)
        assert program.poll() is None
        holder.kill()
        holder.wait()

    output, _ = program.communicate(timeout=20)
    assert program.returncode == 1 and output == "discarded\n"
