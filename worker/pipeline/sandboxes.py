"""The sandbox this worker process runs jobs in, chosen once from the settings."""

from __future__ import annotations

import os
import threading

from server.settings import get_settings
from worker.config import get_worker_config
from worker.sandbox import UNSAFE_LOCAL_ENV, DockerRuntime, Sandbox, get_sandbox

_lock = threading.Lock()
_sandbox: Sandbox | None = None


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


def reset_worker_sandbox() -> None:
    """Forget the chosen sandbox (after changing settings, in tests)."""
    global _sandbox
    with _lock:
        _sandbox = None
