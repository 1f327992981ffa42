"""Choosing a backend, and the unsafe local backend that must be asked for explicitly."""

from __future__ import annotations

import logging

import docker
import pytest

from tests.worker.sandbox.conftest import Job, leftover_containers
from worker.sandbox import (
    BubblewrapSandbox,
    DockerRuntime,
    DockerSandbox,
    LocalSandbox,
    SandboxError,
    SandboxUnavailableError,
    get_sandbox,
)


def test_local_is_refused_unless_explicitly_allowed() -> None:
    with pytest.raises(SandboxUnavailableError, match="RAMPLAB_ALLOW_UNSAFE_LOCAL=1"):
        get_sandbox("local", allow_unsafe_local=False)


def test_local_runs_with_a_warning_and_returns_output(
    job: Job, caplog: pytest.LogCaptureFixture
) -> None:
    (job.submission / "data.txt").write_text("42")
    sandbox = get_sandbox("local", allow_unsafe_local=True)
    assert isinstance(sandbox, LocalSandbox) and not sandbox.is_isolated
    with caplog.at_level(logging.WARNING, logger="worker.sandbox.local"):
        result = job.run(
            sandbox,
            """
            import os, sys
            job = sys.argv[1]
            data = open(os.path.join(job, "submission", "data.txt")).read()
            open(os.path.join(job, "output", "pred.txt"), "w").write(data * 2)
            """,
            args=("/job",),
        )
    assert result.ok, result.log
    assert (job.output / "pred.txt").read_text() == "4242"
    assert "NOT isolated" in caplog.text


def test_auto_detection_prefers_docker(docker_daemon: docker.DockerClient) -> None:
    sandbox = get_sandbox(
        None, allow_unsafe_local=False, docker_runtime=DockerRuntime.host_python()
    )
    assert isinstance(sandbox, DockerSandbox) and sandbox.is_isolated


def test_missing_docker_image_says_how_to_build_it(docker_daemon: docker.DockerClient) -> None:
    with pytest.raises(SandboxUnavailableError, match="docker build -f worker/Dockerfile"):
        get_sandbox(
            "docker", allow_unsafe_local=False, docker_runtime=DockerRuntime(image="ramplab-nope")
        )


def test_auto_detection_falls_back_to_bubblewrap_without_the_docker_image(
    docker_daemon: docker.DockerClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="worker.sandbox.factory"):
        sandbox = get_sandbox(
            None, allow_unsafe_local=False, docker_runtime=DockerRuntime(image="ramplab-nope")
        )
    assert isinstance(sandbox, BubblewrapSandbox) and sandbox.is_isolated
    assert "ramplab-nope" in caplog.text


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="docker, bubblewrap, local"):
        get_sandbox("chroot", allow_unsafe_local=True)


def test_docker_failure_leaves_no_container(docker_daemon: docker.DockerClient, job: Job) -> None:
    runtime = DockerRuntime.host_python()
    broken = DockerRuntime(image=runtime.image, python="/no/such/python", mounts=runtime.mounts)
    sandbox = DockerSandbox(runtime=broken, client=docker_daemon, labels={"org.ramplab.test": "x1"})
    with pytest.raises(SandboxError, match="docker sandbox failed"):
        job.run(sandbox, "print('never')")
    assert leftover_containers(docker_daemon, "x1") == []
