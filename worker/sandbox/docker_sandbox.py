"""The Docker backend: one short-lived container per run, for production workers.

The container has no network, a read-only root, no capabilities, no privilege
escalation, uid 65534, memory without swap, a CPU quota, a pids limit and a small /tmp.
The output directory is a tmpfs of `output_bytes`; the launcher (see launcher.py) ships
it as a tar stream on the container's stdout once the command has exited, while the
command's own stdout and stderr go to the container's stderr. Both are read live from
one attach stream (the log driver is "none", so nothing is written to the host's disk).
The container is removed afterwards, whatever happened.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import docker
from docker.errors import DockerException, NotFound
from docker.models.containers import Container
from docker.types import DeviceRequest, LogConfig, Ulimit
from docker.types import Mount as DockerMount

from worker.sandbox.capture import (
    MAX_OUTPUT_FILES,
    OUTPUT_SLACK_BYTES,
    LogCapture,
    extract_output,
)
from worker.sandbox.gate import Gate
from worker.sandbox.launcher import launcher_argv
from worker.sandbox.runtime import DockerRuntime
from worker.sandbox.spec import (
    OUTPUT_DIR,
    SANDBOX_GID,
    SANDBOX_UID,
    MiB,
    SandboxError,
    SandboxResult,
    SandboxSpec,
)

logger = logging.getLogger(__name__)

LABEL = "org.ramplab.sandbox"
POLL_SECONDS = 0.02
SHM_BYTES = 64 * MiB
API_TIMEOUT_SECONDS = 60
#: Stopped sandbox containers older than this are a crashed worker's (see remove_stale).
STALE_SECONDS = 600


class DockerSandbox:
    """Runs code in a locked-down container on the local Docker daemon."""

    name: ClassVar[str] = "docker"
    is_isolated: ClassVar[bool] = True

    def __init__(
        self,
        *,
        runtime: DockerRuntime | None = None,
        client: docker.DockerClient | None = None,
        labels: Mapping[str, str] | None = None,
        gpu_device_ids: Sequence[str] | None = None,
    ) -> None:
        """`labels` are added to every container (e.g. the worker's name, to find orphans).

        `gpu_device_ids` pins the GPUs this worker hands out (one worker per GPU on a
        multi-GPU machine); without it Docker gives the first `limits.gpus` GPUs.
        """
        self.runtime = runtime or DockerRuntime()
        self._client = client
        self._labels = {LABEL: "1", **(labels or {})}
        self._gpu_device_ids = list(gpu_device_ids) if gpu_device_ids else None

    @property
    def python(self) -> str:
        return self.runtime.python

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = docker.from_env(timeout=API_TIMEOUT_SECONDS)
        return self._client

    @classmethod
    def available(cls) -> bool:
        try:
            client = docker.from_env(timeout=3)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except DockerException:
            return False

    def remove_leftovers(self) -> int:
        """Remove containers carrying all of this sandbox's labels; returns how many.

        For a worker starting up after a crash: give each worker a label of its own (its
        host name) so that this never touches another worker's running sandbox.
        """
        leftovers = self.client.containers.list(all=True, filters=self._label_filters())
        for container in leftovers:
            _remove(container)
        return len(leftovers)

    def _label_filters(self) -> dict[str, Any]:
        """A `containers.list` filter matching all of this sandbox's labels."""
        return {"label": [f"{key}={value}" for key, value in self._labels.items()]}

    def remove_stale(self, *, older_than_seconds: float = STALE_SECONDS) -> int:
        """Remove sandbox containers that ended (or never started) long ago; how many.

        What a crashed worker leaves: its running sandboxes die with it or end on their
        own (a warm one at its gate's idle limit), but stopped containers stay until
        removed. A live worker removes its own within seconds, hence the age threshold.
        """
        removed = 0
        for status in ("exited", "created", "dead"):
            filters = {**self._label_filters(), "status": status}
            for container in self.client.containers.list(all=True, filters=filters):
                state = container.attrs.get("State", {})
                since = state.get("FinishedAt") if status == "exited" else None
                since = since or container.attrs.get("Created", "")
                if _age_seconds(since) > older_than_seconds:
                    _remove(container)
                    removed += 1
        return removed

    def run(self, spec: SandboxSpec, *, cancel: threading.Event | None = None) -> SandboxResult:
        return self.start(spec).release(cancel=cancel)

    def start(self, spec: SandboxSpec) -> _DockerRun:
        spec.output_dir.mkdir(parents=True, exist_ok=True)
        gate = Gate(spec.output_dir.parent)
        container = None
        try:
            container = self.client.containers.create(**self.container_options(spec, gate))
            return _DockerRun(container, spec, gate)
        except BaseException as error:
            gate.remove()
            if container is not None:
                _remove(container)
            if isinstance(error, DockerException):
                raise SandboxError(f"docker sandbox failed: {error}") from error
            raise

    def container_options(self, spec: SandboxSpec, gate: Gate | None = None) -> dict[str, Any]:
        """The arguments of `containers.create` for `spec` (all the lockdown is here)."""
        limits = spec.limits
        gated = (gate.mount,) if gate is not None else ()
        mounts = [
            DockerMount(m.target, str(m.source), type="bind", read_only=m.read_only)
            for m in (*self.runtime.mounts, *spec.mounts, *gated)
        ]
        options: dict[str, Any] = {
            "image": self.runtime.image,
            "command": launcher_argv(self.runtime.python, 1, spec.argv),
            "user": f"{SANDBOX_UID}:{SANDBOX_GID}",
            "working_dir": spec.workdir,
            "environment": {
                "HOME": "/tmp",
                **self.runtime.env,
                **spec.env,
                **(gate.env() if gate is not None else {}),
            },
            "mounts": mounts,
            "network_mode": "none",
            "read_only": True,
            "tmpfs": {
                "/tmp": f"size={max(limits.tmpfs_bytes, 4096)},mode=1777",
                OUTPUT_DIR: f"size={limits.output_bytes + OUTPUT_SLACK_BYTES},"
                f"nr_inodes={MAX_OUTPUT_FILES},uid={SANDBOX_UID},gid={SANDBOX_GID},mode=0755",
            },
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "mem_limit": limits.memory_bytes,
            "memswap_limit": limits.memory_bytes,
            "nano_cpus": int(limits.cpus * 1e9),
            "pids_limit": limits.pids,
            "shm_size": min(SHM_BYTES, max(limits.tmpfs_bytes, 4096)),
            "ulimits": [Ulimit(name="core", soft=0, hard=0)],
            "log_config": LogConfig(type=LogConfig.types.NONE),
            "labels": self._labels,
            "stdin_open": False,
            "tty": False,
            "detach": True,
        }
        if limits.gpus > 0:
            if self._gpu_device_ids is None:
                request = DeviceRequest(count=limits.gpus, capabilities=[["gpu"]])
            else:
                ids = self._gpu_device_ids[: limits.gpus]
                request = DeviceRequest(device_ids=ids, capabilities=[["gpu"]])
            options["device_requests"] = [request]
        return options


class _DockerRun:
    """One created and started container (see StartedRun).

    The attach stream (log and output archive) is read from the start, so that nothing
    the warm-up prints is lost; limits are enforced from `release`.
    """

    def __init__(self, container: Container, spec: SandboxSpec, gate: Gate) -> None:
        self._container = container
        self._spec = spec
        self._gate = gate
        self._cleaned_up = False
        self._log = LogCapture(spec.limits.log_bytes)
        self._fits: list[bool] = []
        # Attach before starting so that no early output is lost.
        self._frames = container.attach(
            stdout=True, stderr=True, stream=True, logs=False, demux=True
        )
        self._reader = threading.Thread(target=self._read_stream, daemon=True)
        try:
            container.start()
        except BaseException:
            self._frames.close()
            raise
        self._reader.start()

    def _archive_chunks(self) -> Iterator[bytes]:
        for archive_chunk, log_chunk in self._frames:
            if log_chunk:
                self._log.feed(log_chunk)
            if archive_chunk:
                yield archive_chunk

    def _read_stream(self) -> None:
        chunks = self._archive_chunks()
        try:
            fits = extract_output(
                chunks, self._spec.output_dir, output_bytes=self._spec.limits.output_bytes
            )
            self._fits.append(fits)
        finally:
            for _ in chunks:  # the rest of the log, and any bytes after the archive
                pass

    def is_warm(self) -> bool:
        # The stream ends when the container has exited.
        return not self._reader.is_alive() or self._gate.is_waiting()

    def release(self, *, cancel: threading.Event | None = None) -> SandboxResult:
        try:
            return self._follow(cancel)
        except DockerException as error:
            raise SandboxError(f"docker sandbox failed: {error}") from error
        finally:
            self._clean_up()

    def discard(self) -> None:
        if self._cleaned_up:  # released, or discarded before
            return
        self._clean_up()

    def _follow(self, cancel: threading.Event | None) -> SandboxResult:
        """Open the gate and read the stream until the container exits or must be killed."""
        limits = self._spec.limits
        container = self._container
        started = time.monotonic()
        timed_out = cancelled = False
        while True:
            self._gate.open()
            self._reader.join(POLL_SECONDS)
            if not self._reader.is_alive():  # the stream ends when the container has exited
                break
            if cancel is not None and cancel.is_set():
                cancelled = True
            elif time.monotonic() - started >= limits.wall_seconds:
                timed_out = True
            else:
                continue
            with contextlib.suppress(DockerException):
                container.kill()
            break
        exit_code = int(container.wait(timeout=API_TIMEOUT_SECONDS)["StatusCode"])
        wall = time.monotonic() - started
        self._reader.join(timeout=5)
        container.reload()
        return SandboxResult(
            exit_code=exit_code,
            timed_out=timed_out,
            oom_killed=bool(container.attrs["State"].get("OOMKilled")),
            cancelled=cancelled,
            log=self._log.value(),
            log_truncated=self._log.truncated,
            output_too_large=self._fits == [False],
            wall_seconds=wall,
            peak_memory_bytes=None,
        )

    def _clean_up(self) -> None:
        self._cleaned_up = True
        self._gate.remove()
        _remove(self._container)
        self._frames.close()


def _age_seconds(timestamp: str) -> float:
    """Seconds since a Docker timestamp (RFC 3339, nanoseconds); 0 when unreadable."""
    try:
        moment = datetime.fromisoformat(timestamp[:19]).replace(tzinfo=UTC)
    except ValueError:
        return 0.0
    return (datetime.now(UTC) - moment).total_seconds()


def _remove(container: Container) -> None:
    try:
        container.remove(force=True)
    except NotFound:
        pass
    except DockerException as error:  # must not hide the error that brought us here
        logger.error("could not remove sandbox container %s: %s", container.id, error)
