"""Fixtures for the sandbox tests: real Docker, real bubblewrap, hostile programs.

Docker tests never skip: a session fixture starts the daemon and builds the empty test
image (both scripts are idempotent and fast when already done) and fails loudly if it
cannot. Every docker test also checks that no sandbox container was left behind.
"""

from __future__ import annotations

import subprocess
import textwrap
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from worker.sandbox import (
    BubblewrapSandbox,
    DockerRuntime,
    DockerSandbox,
    Limits,
    Mount,
    Sandbox,
    SandboxResult,
    SandboxSpec,
)
from worker.sandbox.docker_sandbox import LABEL
from worker.sandbox.runtime import PROJECT_ROOT
from worker.sandbox.spec import MiB

SCRIPTS = PROJECT_ROOT / "scripts"
TEST_LABEL = "org.ramplab.test"

#: Small limits so that every hostile program is stopped within seconds.
TEST_LIMITS = Limits(
    wall_seconds=10,
    memory_bytes=256 * MiB,
    cpus=1.0,
    pids=64,
    output_bytes=16 * MiB,
    log_bytes=64 * 1024,
    tmpfs_bytes=32 * MiB,
)


@pytest.fixture(scope="session")
def docker_daemon() -> Iterator[docker.DockerClient]:
    for script in ("start-dockerd.sh", "build-test-image.sh"):
        done = subprocess.run(
            [str(SCRIPTS / script)], capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            pytest.fail(f"scripts/{script} failed ({done.returncode}):\n{done.stderr}")
    client = docker.from_env()
    yield client
    client.close()


def leftover_containers(client: docker.DockerClient, test_id: str) -> list[str]:
    """Containers of one test still present (other engineers may run sandboxes too)."""
    filters = {"label": [LABEL, f"{TEST_LABEL}={test_id}"]}
    return [c.name for c in client.containers.list(all=True, filters=filters)]


@pytest.fixture(params=["docker", "bubblewrap"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    if request.param == "bubblewrap":
        assert BubblewrapSandbox.available(), "bwrap cannot create namespaces here"
        yield BubblewrapSandbox()
        return
    client = request.getfixturevalue("docker_daemon")
    test_id = uuid.uuid4().hex
    runtime = DockerRuntime.host_python()
    yield DockerSandbox(runtime=runtime, client=client, labels={TEST_LABEL: test_id})
    assert leftover_containers(client, test_id) == []


@dataclass
class Job:
    """A job folder like the worker prepares: a read-only submission, an output dir."""

    root: Path

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def output(self) -> Path:
        return self.root / "output"

    def run(
        self,
        sandbox: Sandbox,
        source: str,
        *,
        limits: Limits = TEST_LIMITS,
        env: dict[str, str] | None = None,
        cancel: threading.Event | None = None,
        args: tuple[str, ...] = (),
    ) -> SandboxResult:
        """Run `source` as /job/submission/main.py with the sandbox's interpreter."""
        script = self.submission / "main.py"
        script.write_text(textwrap.dedent(source))
        script.chmod(0o644)
        spec = SandboxSpec(
            argv=(sandbox.python, "/job/submission/main.py", *args),
            output_dir=self.output,
            mounts=(Mount(self.submission, "/job/submission"),),
            env=env or {},
            limits=limits,
        )
        return sandbox.run(spec, cancel=cancel)


@pytest.fixture
def job(tmp_path: Path) -> Job:
    # The sandbox user (65534) must be able to read the submission, as in production.
    submission = tmp_path / "job" / "submission"
    submission.mkdir(parents=True)
    for folder in (tmp_path / "job", submission):
        folder.chmod(0o755)
    return Job(tmp_path / "job")
