"""``ramplab test`` through its daemon: same results as a fresh process, fresh code every
run, signals and exit codes passed on, nothing left running, nobody else let in.

Every test runs the real ``ramplab`` script as a subprocess against a real daemon in a
private folder of its own. A *probe* submission records, from inside the run, what the
run saw (its pid and parent, folder, argv, environment, umask, random numbers, the
value of a library constant) so the tests can tell where and how it ran.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

RAMPLAB = Path(sys.executable).parent / "ramplab"
TINY_KIT = Path(__file__).parents[1] / "fixtures" / "tiny_kit"

PROBE = """\
import json
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

VERSION = {version}


def get_estimator():
    umask = os.umask(0)
    os.umask(umask)
    record = {{
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "cwd": os.getcwd(),
        "argv": sys.argv,
        "variable": os.environ.get("PROBE_VARIABLE"),
        "umask": umask,
        "random": np.random.rand(),
        "version": VERSION,
        "library": __import__("probe_library").VALUE if "PROBE_LIBRARY" in os.environ else None,
    }}
    Path(os.environ["PROBE_FILE"]).write_text(json.dumps(record))
    return LogisticRegression()
"""

SLEEPER = """\
import os
import time
from pathlib import Path

from sklearn.linear_model import LogisticRegression


class Sleeper(LogisticRegression):
    def fit(self, X, y):
        Path(os.environ["PID_FOLDER"], str(os.getpid())).touch()
        time.sleep(120)
        return super().fit(X, y)


def get_estimator():
    return Sleeper()
"""


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    target = tmp_path / "kit"
    shutil.copytree(TINY_KIT, target)
    for name, code in (("probe", PROBE.format(version=1)), ("sleeper", SLEEPER)):
        (target / "submissions" / name).mkdir()
        (target / "submissions" / name / "estimator.py").write_text(code)
    return target


@pytest.fixture
def daemon_dir() -> Iterator[Path]:
    # A short path: a Unix socket's path is limited to 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="ramplab-daemons-"))
    yield folder
    # Stop whatever daemon the test started, and wait until it is gone.
    environment = {**os.environ, "RAMPLAB_TEST_DAEMON_DIR": str(folder)}
    subprocess.run([RAMPLAB, "test", "--stop-daemon"], env=environment, capture_output=True)
    for _ in range(100):
        if not _daemon_pids(folder):
            break
        time.sleep(0.1)
    for pid in _daemon_pids(folder):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(folder, ignore_errors=True)


def _daemon_pids(folder: Path) -> list[int]:
    """The daemons serving ``folder`` (not their runs, which share their command line)."""
    matching = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command_line = (entry / "cmdline").read_bytes()
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if b"test_daemon.server" in command_line and str(folder).encode() in command_line:
                matching[int(entry.name)] = parent
    return [pid for pid, parent in matching.items() if parent not in matching]


def _environment(daemon_dir: Path, **variables: str) -> dict[str, str]:
    return {
        **os.environ,
        "RAMPLAB_TEST_DAEMON": "1",
        "RAMPLAB_TEST_DAEMON_DIR": str(daemon_dir),
        **variables,
    }


def _ramplab_test(
    kit: Path, environment: dict[str, str], *arguments: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RAMPLAB, "test", "--kit-dir", str(kit), "--n-jobs", "1", *arguments],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _probe(
    kit: Path, daemon_dir: Path, record: Path, *arguments: str, **variables: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    environment = _environment(daemon_dir, PROBE_FILE=str(record), **variables)
    done = _ramplab_test(kit, environment, "--submission", "probe", "--quick-test", *arguments)
    assert done.returncode == 0, done.stderr
    return done, json.loads(record.read_text())


def _numbers_masked(text: str) -> str:
    return re.sub(r"\d+\.\d+", "#", text)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _wait_until_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    return [pid for pid in pids if _alive(pid)]


def test_later_runs_go_through_one_daemon_and_score_as_a_fresh_process(
    kit: Path, daemon_dir: Path, tmp_path: Path
) -> None:
    json_files = {mode: tmp_path / f"{mode}.json" for mode in ("cold", "first", "second")}
    cold, cold_record = _probe(
        kit, daemon_dir, tmp_path / "cold", "--no-daemon", "--json", str(json_files["cold"])
    )
    first, first_record = _probe(
        kit, daemon_dir, tmp_path / "first", "--json", str(json_files["first"])
    )
    second, second_record = _probe(
        kit, daemon_dir, tmp_path / "second", "--json", str(json_files["second"])
    )

    assert "starting a background process" in first.stderr
    assert "starting a background process" not in second.stderr
    (daemon,) = _daemon_pids(daemon_dir)
    assert cold_record["ppid"] != daemon  # --no-daemon ran in the command's own process
    assert first_record["ppid"] == second_record["ppid"] == daemon
    assert first_record["pid"] != second_record["pid"]  # a fresh process per run

    def scores(path: Path) -> dict[str, Any]:
        document = json.loads(path.read_text())
        for fold in document["folds"]:
            del fold["times"]
        return document

    assert scores(json_files["first"]) == scores(json_files["cold"])
    assert scores(json_files["second"]) == scores(json_files["cold"])
    # The same tables (the scores are compared above; times differ from run to run).
    assert _numbers_masked(second.stdout) == _numbers_masked(cold.stdout)
    assert "fold 2/2 done" in second.stderr
    # numpy's global random state is fresh in every run, as in a new process.
    assert len({cold_record["random"], first_record["random"], second_record["random"]}) == 3


def test_each_run_gets_its_own_folder_environment_argv_and_umask(
    kit: Path, daemon_dir: Path, tmp_path: Path
) -> None:
    _probe(kit, daemon_dir, tmp_path / "warm-up")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    record_path = tmp_path / "record"
    environment = _environment(daemon_dir, PROBE_FILE=str(record_path), PROBE_VARIABLE="blue")
    arguments = ["test", "--kit-dir", "../kit", "--submission", "probe", "--quick-test"]
    arguments += ["--n-jobs", "1", "--json", "relative.json"]
    done = subprocess.run(
        ["sh", "-c", f'umask 027 && exec "{RAMPLAB}" "$@"', "sh", *arguments],
        env=environment,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(record_path.read_text())
    assert record["ppid"] in _daemon_pids(daemon_dir)
    assert record["cwd"] == str(elsewhere)
    assert record["variable"] == "blue"
    assert record["umask"] == 0o027
    assert record["argv"][1:] == arguments
    assert (elsewhere / "relative.json").is_file()


def test_edited_submissions_and_kits_are_seen_by_the_next_run(
    kit: Path, daemon_dir: Path, tmp_path: Path
) -> None:
    _, record = _probe(kit, daemon_dir, tmp_path / "first")
    assert record["version"] == 1
    (kit / "submissions" / "probe" / "estimator.py").write_text(PROBE.format(version=2))
    problem = kit / "problem.py"
    problem.write_text(problem.read_text().replace("Tiny binary", "Edited binary"))

    second, record = _probe(kit, daemon_dir, tmp_path / "second")
    assert record["version"] == 2
    assert "Testing Edited binary classification" in second.stdout


def test_a_changed_library_replaces_the_daemon(kit: Path, daemon_dir: Path, tmp_path: Path) -> None:
    libraries = tmp_path / "libraries"
    libraries.mkdir()
    library = libraries / "probe_library.py"
    library.write_text("VALUE = 1\n")
    variables = {
        "PYTHONPATH": str(libraries),
        "RAMPLAB_TEST_DAEMON_PRELOAD": "probe_library",
        "PROBE_LIBRARY": "1",
    }
    _, record = _probe(kit, daemon_dir, tmp_path / "first", **variables)
    assert record["library"] == 1
    old_daemon = record["ppid"]

    library.write_text("VALUE = 22\n")  # an upgraded library (another size, another mtime)
    done, record = _probe(kit, daemon_dir, tmp_path / "second", **variables)
    assert record["library"] == 22
    assert "libraries changed" in done.stderr and "probe_library.py" in done.stderr
    assert record["ppid"] != old_daemon
    assert _wait_until_gone([old_daemon]) == []


def test_exit_codes_and_errors_are_the_commands(kit: Path, daemon_dir: Path) -> None:
    environment = _environment(daemon_dir)
    failed = _ramplab_test(TINY_KIT, environment, "--submission", "fit_error", "--quick-test")
    assert failed.returncode == 1
    assert "submissions/fit_error/estimator.py" in failed.stderr
    broken = _ramplab_test(kit / "missing", environment)
    assert broken.returncode == 2 and "Broken kit" in broken.stderr
    usage = _ramplab_test(kit, environment, "--no-such-option")
    assert usage.returncode == 2 and "unrecognized arguments" in usage.stderr
    assert len(_daemon_pids(daemon_dir)) == 1  # all three went through the daemon


def _start_sleeper(kit: Path, daemon_dir: Path, pids: Path) -> subprocess.Popen[str]:
    pids.mkdir()
    _ramplab_test(kit, _environment(daemon_dir), "--submission", "starting_kit", "--quick-test")
    client = subprocess.Popen(
        [RAMPLAB, "test", "--kit-dir", str(kit), "--submission", "sleeper", "--quick-test"],
        env=_environment(daemon_dir, PID_FOLDER=str(pids)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(list(pids.iterdir())) == 2, "both fold workers should be training"
    return client


def test_ctrl_c_interrupts_the_run_and_its_fold_workers(
    kit: Path, daemon_dir: Path, tmp_path: Path
) -> None:
    client = _start_sleeper(kit, daemon_dir, tmp_path / "pids")
    client.send_signal(signal.SIGINT)
    _, stderr = client.communicate(timeout=30)
    assert client.returncode == -signal.SIGINT  # died of SIGINT, as Python does
    assert "KeyboardInterrupt" in stderr
    assert _wait_until_gone([int(p.name) for p in (tmp_path / "pids").iterdir()]) == []
    assert _daemon_pids(daemon_dir)  # the daemon itself carries on


def test_a_killed_command_takes_its_run_with_it(
    kit: Path, daemon_dir: Path, tmp_path: Path
) -> None:
    client = _start_sleeper(kit, daemon_dir, tmp_path / "pids")
    client.kill()
    client.communicate(timeout=30)
    assert _wait_until_gone([int(p.name) for p in (tmp_path / "pids").iterdir()]) == []


def test_an_idle_daemon_exits(kit: Path, daemon_dir: Path, tmp_path: Path) -> None:
    _, record = _probe(
        kit, daemon_dir, tmp_path / "record", RAMPLAB_TEST_DAEMON_IDLE_MINUTES="0.02"
    )
    assert _wait_until_gone([record["ppid"]], seconds=20) == []
    assert not list(daemon_dir.glob("*.sock"))


def test_stop_daemon(kit: Path, daemon_dir: Path, tmp_path: Path) -> None:
    _, record = _probe(kit, daemon_dir, tmp_path / "record")
    stopped = subprocess.run(
        [RAMPLAB, "test", "--stop-daemon"],
        env=_environment(daemon_dir),
        capture_output=True,
        text=True,
    )
    assert "Asked 1 ramplab test daemon(s) to stop." in stopped.stdout
    assert _wait_until_gone([record["ppid"]]) == []


def test_a_daemon_that_cannot_start_leaves_the_run_in_the_command(
    kit: Path, daemon_dir: Path, tmp_path: Path
) -> None:
    libraries = tmp_path / "libraries"
    libraries.mkdir()
    (libraries / "broken_library.py").write_text("raise RuntimeError('cannot import me')\n")
    done, record = _probe(
        kit,
        daemon_dir,
        tmp_path / "record",
        PYTHONPATH=str(libraries),
        RAMPLAB_TEST_DAEMON_PRELOAD="broken_library",
    )
    assert "did not start" in done.stderr and "running here" in done.stderr
    assert record["ppid"] not in _daemon_pids(daemon_dir)
    (log,) = daemon_dir.glob("*.log")
    assert "cannot import me" in log.read_text()


def test_a_folder_others_can_enter_is_not_used(kit: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    done, _ = _probe(kit, shared, tmp_path / "record")
    assert "no private folder" in done.stderr
    assert not list(shared.iterdir())
    assert not _daemon_pids(shared)


@pytest.mark.skipif(os.getuid() != 0, reason="switching to another user needs root")
def test_another_user_cannot_reach_the_daemon(kit: Path, daemon_dir: Path, tmp_path: Path) -> None:
    _probe(kit, daemon_dir, tmp_path / "record")
    (socket_path,) = daemon_dir.glob("*.sock")
    attempt = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(13)\n"
    )
    # The system's interpreter: the test's own may live where that user cannot read.
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    done = subprocess.run(
        [python, "-c", attempt, str(socket_path)], user=65534, group=65534, cwd="/"
    )
    assert done.returncode == 13


def test_a_daemon_that_dies_mid_run_fails_the_command_and_stops_the_run(
    kit: Path, daemon_dir: Path, tmp_path: Path
) -> None:
    client = _start_sleeper(kit, daemon_dir, tmp_path / "pids")
    for daemon in _daemon_pids(daemon_dir):
        os.kill(daemon, signal.SIGKILL)
    _, stderr = client.communicate(timeout=30)
    assert client.returncode == 1
    assert "its outcome is unknown" in stderr
    assert _wait_until_gone([int(p.name) for p in (tmp_path / "pids").iterdir()]) == []
