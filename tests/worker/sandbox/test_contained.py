"""Hostile submissions are contained, reported clearly, and leave the host unharmed.

Every test runs on both isolating backends (docker, bubblewrap) with small limits.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.worker.sandbox.conftest import TEST_LIMITS, Job
from worker.sandbox import BubblewrapSandbox, Limits, Sandbox
from worker.sandbox.cgroups import RunCgroup
from worker.sandbox.runtime import PROJECT_ROOT


def test_program_output_comes_back_to_the_host(sandbox: Sandbox, job: Job) -> None:
    (job.submission / "data.txt").write_text("3 4")
    (job.submission / "data.txt").chmod(0o644)
    result = job.run(
        sandbox,
        """
        import os
        a, b = map(int, open("/job/submission/data.txt").read().split())
        os.makedirs("/job/output/fold_0")
        open("/job/output/fold_0/pred.txt", "w").write(str(a * b))
        print("uid", os.getuid(), "cwd", os.getcwd())
        """,
    )
    assert result.ok, result.log
    assert (job.output / "fold_0" / "pred.txt").read_text() == "12"
    assert b"uid 65534 cwd /job" in result.log
    assert not result.log_truncated and not result.output_too_large


def test_files_outside_the_mounts_are_invisible(sandbox: Sandbox, job: Job, tmp_path: Path) -> None:
    secret = tmp_path / "private" / "y_test.csv"
    secret.parent.mkdir()
    secret.write_text("the-held-out-labels")
    secret.chmod(0o644)  # readable by anyone on the host: only the mounts protect it
    result = job.run(
        sandbox,
        f"""
        import os
        for path in [{str(secret)!r}, "/etc/shadow", "/root/.bash_history"]:
            try:
                print("READ", path, open(path).read())
            except OSError as error:
                print("blocked", path, type(error).__name__)
        print("problems:", sorted(os.listdir({str(PROJECT_ROOT / "problems")!r})))
        """,
    )
    assert result.exit_code == 0, result.log
    assert b"the-held-out-labels" not in result.log
    assert b"READ" not in result.log
    # Only the kit library is mounted from problems/, never a kit's data folder.
    assert b"problems: ['__init__.py', 'kit']" in result.log


@pytest.fixture
def host_listener() -> Iterator[int]:
    """A TCP port on the host's loopback that accepts connections (the control)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def test_network_is_unreachable(sandbox: Sandbox, job: Job, host_listener: int) -> None:
    socket.create_connection(("127.0.0.1", host_listener), timeout=1).close()  # host can
    targets = [("127.0.0.1", host_listener), ("127.0.0.1", 5432), ("127.0.0.1", 6379)]
    targets += [("1.1.1.1", 53), ("8.8.8.8", 443)]
    result = job.run(
        sandbox,
        f"""
        import socket
        for host, port in {targets!r}:
            try:
                socket.create_connection((host, port), timeout=1).close()
                print("CONNECTED", host, port)
            except OSError as error:
                print("failed", host, port, error)
        """,
    )
    assert result.exit_code == 0, result.log
    assert b"CONNECTED" not in result.log
    assert result.log.count(b"failed") == len(targets)


def test_fork_bomb_is_stopped_by_the_pids_limit(sandbox: Sandbox, job: Job) -> None:
    started = time.monotonic()
    result = job.run(
        sandbox,
        """
        import os, time
        children = 0
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                children += 1
            except OSError as error:
                print("fork refused after", children, "children:", error, flush=True)
                break
        """,
        limits=Limits(**{**vars(TEST_LIMITS), "wall_seconds": 5}),
    )
    assert time.monotonic() - started < 15
    assert b"fork refused after" in result.log, result.log
    refused_after = int(result.log.split(b"fork refused after ")[1].split()[0])
    assert refused_after < TEST_LIMITS.pids
    subprocess.run(["true"], check=True)  # the host can still fork


def test_memory_hog_is_reported_as_out_of_memory(sandbox: Sandbox, job: Job) -> None:
    result = job.run(
        sandbox,
        """
        blocks = []
        for _ in range(200):
            blocks.append(b"x" * (10 * 1024 * 1024))  # touched, not just reserved
        print("ALLOCATED 2 GB")
        """,
    )
    assert b"ALLOCATED" not in result.log
    assert result.oom_killed, result
    assert result.failure == "out of memory"


def test_filling_the_disk_is_capped(sandbox: Sandbox, job: Job, tmp_path: Path) -> None:
    free_before = shutil.disk_usage(tmp_path).free
    result = job.run(
        sandbox,
        """
        import os
        chunk = b"x" * (1024 * 1024)
        for folder in ["/job/output", "/tmp", "/job"]:
            written = 0
            try:
                with open(os.path.join(folder, "fill"), "wb") as sink:
                    for _ in range(2048):  # 2 GB
                        sink.write(chunk)
                        sink.flush()
                        written += 1
            except OSError as error:
                print("full", folder, "after", written, "MB:", error, flush=True)
        """,
    )
    assert result.log.count(b"full") == 3, result.log
    assert result.output_too_large
    assert result.failure == "output directory exceeded its size limit"
    assert list(job.output.iterdir()) == []  # nothing of an oversized output is kept
    assert shutil.disk_usage(tmp_path).free > free_before - 200 * 1024 * 1024


def test_endless_loop_times_out(sandbox: Sandbox, job: Job) -> None:
    limits = Limits(**{**vars(TEST_LIMITS), "wall_seconds": 2})
    result = job.run(sandbox, "while True:\n    pass\n", limits=limits)
    assert result.timed_out
    assert 2 <= result.wall_seconds < 5
    assert result.failure is not None and result.failure.startswith("timed out")


def test_log_flood_is_capped_without_filling_worker_memory(sandbox: Sandbox, job: Job) -> None:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    limits = Limits(**{**vars(TEST_LIMITS), "wall_seconds": 3})
    result = job.run(
        sandbox,
        """
        import sys
        print("FIRST LINE", flush=True)
        line = b"y" * 1023 + b"\\n"
        while True:
            sys.stdout.buffer.write(line * 1024)
        """,
        limits=limits,
    )
    assert result.timed_out
    assert result.log_truncated
    assert result.log.startswith(b"FIRST LINE")
    assert b"[log truncated:" in result.log
    omitted = int(result.log.split(b"[log truncated: ")[1].split()[0])
    assert omitted > 50 * 1024 * 1024  # far more was printed than kept
    assert len(result.log) <= limits.log_bytes + 100
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert peak_after - peak_before < 64 * 1024 * 1024


def test_worker_environment_is_not_inherited(
    sandbox: Sandbox, job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAMPLAB_DATABASE_URL", "postgresql://admin:hunter2@db/ramplab")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2-aws")
    result = job.run(
        sandbox,
        """
        import os
        print(dict(os.environ))
        for pid in ["self", "1"]:
            try:
                print(open(f"/proc/{pid}/environ", "rb").read())
            except OSError as error:
                print(error)
        """,
        env={"JOB_NAME": "given-explicitly"},
    )
    assert result.exit_code == 0, result.log
    assert b"hunter2" not in result.log
    assert b"RAMPLAB_DATABASE_URL" not in result.log
    assert b"given-explicitly" in result.log


def test_writes_outside_the_output_dir_fail(sandbox: Sandbox, job: Job) -> None:
    targets = [
        "/job/submission/main.py",
        "/job/submission/new.py",
        str(PROJECT_ROOT / "worker" / "runner" / "evil.py"),
        str(Path(sys.prefix) / "evil.pth"),
        "/etc/passwd",
        "/usr/evil",
        "/evil",
    ]
    result = job.run(
        sandbox,
        f"""
        for path in {targets!r}:
            try:
                with open(path, "a") as sink:
                    sink.write("pwned")
                print("WROTE", path)
            except OSError as error:
                print("denied", path, type(error).__name__)
        """,
    )
    assert result.exit_code == 0, result.log
    assert b"WROTE" not in result.log
    assert result.log.count(b"denied") == len(targets)
    assert not (job.submission / "main.py").read_bytes().endswith(b"pwned")
    assert not (job.submission / "new.py").exists()
    assert not (PROJECT_ROOT / "worker" / "runner" / "evil.py").exists()


def test_killing_everything_it_can_leaves_the_host_alive(sandbox: Sandbox, job: Job) -> None:
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        started = time.monotonic()
        result = job.run(
            sandbox,
            f"""
            import os, signal
            for pid in [{bystander.pid}, {os.getpid()}]:
                try:
                    os.kill(pid, signal.SIGKILL)
                    print("KILLED host process", pid)
                except OSError as error:
                    print("cannot kill", pid, error, flush=True)
            os.kill(-1, signal.SIGKILL)  # every process it may signal
            os.kill(os.getppid(), signal.SIGKILL)
            print("still here", flush=True)
            """,
        )
        assert time.monotonic() - started < 8
        assert b"KILLED" not in result.log
        assert bystander.poll() is None  # the host's process of the same uid survived
    finally:
        bystander.kill()
        bystander.wait()


def test_cancel_stops_a_running_sandbox_promptly(sandbox: Sandbox, job: Job) -> None:
    cancel = threading.Event()
    limits = Limits(**{**vars(TEST_LIMITS), "wall_seconds": 60})
    timer = threading.Timer(1.0, cancel.set)
    timer.start()
    result = job.run(sandbox, "import time\ntime.sleep(60)\n", limits=limits, cancel=cancel)
    timer.join()
    assert result.cancelled
    assert not result.timed_out
    assert result.wall_seconds < 3
    assert result.failure == "cancelled"


def test_without_cgroups_rlimits_still_stop_a_memory_hog(
    job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A laptop worker that may not create cgroups falls back to RLIMIT_AS.
    monkeypatch.setattr(RunCgroup, "create", classmethod(lambda cls, limits: None))
    result = job.run(
        BubblewrapSandbox(),
        """
        blocks = []
        for _ in range(200):
            blocks.append(b"x" * (10 * 1024 * 1024))
        print("ALLOCATED 2 GB")
        """,
    )
    assert b"ALLOCATED" not in result.log
    assert b"MemoryError" in result.log
    assert result.failure == "out of memory"
