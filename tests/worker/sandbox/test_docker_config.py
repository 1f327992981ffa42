"""The lockdown the docker backend asks for is what the daemon records (GPUs included,
which this machine cannot run but can configure)."""

from __future__ import annotations

from pathlib import Path

import docker

from tests.worker.sandbox.conftest import TEST_LIMITS
from worker.sandbox import DockerRuntime, DockerSandbox, Limits, SandboxSpec


def test_container_is_created_locked_down_with_the_requested_gpus(
    docker_daemon: docker.DockerClient, tmp_path: Path
) -> None:
    sandbox = DockerSandbox(
        runtime=DockerRuntime.host_python(), client=docker_daemon, gpu_device_ids=["1", "2"]
    )
    limits = Limits(**{**vars(TEST_LIMITS), "gpus": 1})
    spec = SandboxSpec(argv=(sandbox.python, "-c", "pass"), output_dir=tmp_path, limits=limits)
    container = docker_daemon.containers.create(**sandbox.container_options(spec))
    try:
        host = container.attrs["HostConfig"]
        config = container.attrs["Config"]
    finally:
        container.remove(force=True)
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Memory"] == host["MemorySwap"] == limits.memory_bytes
    assert host["PidsLimit"] == limits.pids
    assert host["NanoCpus"] == 1_000_000_000
    assert host["LogConfig"]["Type"] == "none"
    assert host["DeviceRequests"] == [
        {"Driver": "", "Count": 0, "DeviceIDs": ["1"], "Capabilities": [["gpu"]], "Options": {}}
    ]
    assert config["User"] == "65534:65534"
    assert not any(v.startswith("RAMPLAB_") for v in config["Env"])


def test_leftovers_of_a_crashed_worker_are_removed_but_not_others(
    docker_daemon: docker.DockerClient, tmp_path: Path
) -> None:
    def sandbox_of(worker: str) -> DockerSandbox:
        labels = {"org.ramplab.worker": worker}
        return DockerSandbox(
            runtime=DockerRuntime.host_python(), client=docker_daemon, labels=labels
        )

    spec = SandboxSpec(argv=("sleep",), output_dir=tmp_path, limits=TEST_LIMITS)
    crashed, other = sandbox_of(f"crashed-{tmp_path.name}"), sandbox_of(f"other-{tmp_path.name}")
    orphan = docker_daemon.containers.create(**crashed.container_options(spec))
    alive = docker_daemon.containers.create(**other.container_options(spec))
    try:
        assert crashed.remove_leftovers() == 1
        assert [c.id for c in docker_daemon.containers.list(all=True)].count(orphan.id) == 0
        alive.reload()  # still there
    finally:
        alive.remove(force=True)


def test_stale_stopped_containers_are_removed_but_not_fresh_or_running_ones(
    docker_daemon: docker.DockerClient, tmp_path: Path
) -> None:
    labels = {"org.ramplab.worker": f"stale-{tmp_path.name}"}
    sandbox = DockerSandbox(
        runtime=DockerRuntime.host_python(), client=docker_daemon, labels=labels
    )
    never_started = docker_daemon.containers.create(
        **sandbox.container_options(SandboxSpec(argv=("true",), output_dir=tmp_path))
    )
    running = sandbox.start(
        SandboxSpec(argv=(sandbox.python, "-c", "import time; time.sleep(60)"), output_dir=tmp_path)
    )
    try:
        assert sandbox.remove_stale() == 0  # both younger than the threshold
        assert sandbox.remove_stale(older_than_seconds=0) == 1
        ids = [c.id for c in docker_daemon.containers.list(all=True)]
        assert never_started.id not in ids
        assert (
            len(
                docker_daemon.containers.list(
                    filters={"label": "org.ramplab.worker=" + labels["org.ramplab.worker"]}
                )
            )
            == 1
        )
    finally:
        running.discard()
