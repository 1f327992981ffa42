"""The sandbox this worker process runs jobs in, chosen once from the settings, and its
idle warm sandboxes (see warm.py)."""

from __future__ import annotations

import atexit
import logging
import os
import threading

from docker.errors import DockerException

from server.settings import get_settings
from worker.config import get_worker_config
from worker.pipeline.warm import WarmPool
from worker.sandbox import UNSAFE_LOCAL_ENV, DockerRuntime, DockerSandbox, Sandbox, get_sandbox

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_sandbox: Sandbox | None = None
_warm_pool = WarmPool()
# A warm sandbox outlives no worker: bubblewrap's die with their parent, containers are
# removed here (and by the label sweep of a restarted worker if this never ran).
atexit.register(_warm_pool.discard_all)


def worker_sandbox() -> Sandbox:
    """settings.sandbox (or the best available), built on first use and then reused.

    Raises SandboxUnavailableError when none works; callers treat that as a platform
    error, so the job is retried once the machine is fixed rather than failed.
    """
    global _sandbox
    with _lock:
        if _sandbox is None:
            settings = get_settings()
            config = get_worker_config()
            if config.sandbox_host_python:
                runtime = DockerRuntime.host_python()
            elif config.sandbox_python:
                runtime = DockerRuntime(image=settings.sandbox_image, python=config.sandbox_python)
            else:
                runtime = DockerRuntime(image=settings.sandbox_image)
            allow_local = settings.allow_unsafe_local or os.environ.get(UNSAFE_LOCAL_ENV) == "1"
            _sandbox = get_sandbox(
                settings.sandbox, allow_unsafe_local=allow_local, docker_runtime=runtime
            )
        return _sandbox


def worker_warm_pool() -> WarmPool:
    """This process's idle warm sandboxes."""
    return _warm_pool


def reset_worker_sandbox() -> None:
    """Forget the chosen sandbox and its warm ones (after changing settings, in tests)."""
    global _sandbox
    with _lock:
        _sandbox = None
        _warm_pool.discard_all()


def remove_stale_containers() -> None:
    """Remove the stopped sandbox containers a crashed worker left (docker only)."""
    if get_settings().sandbox not in (None, "docker") or not DockerSandbox.available():
        return
    try:
        removed = DockerSandbox().remove_stale()
    except DockerException as error:
        logger.warning("could not look for stale sandbox containers: %s", error)
        return
    if removed:
        logger.info("removed %d stale sandbox containers", removed)
