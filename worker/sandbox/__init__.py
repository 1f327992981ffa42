"""Sandbox backends: where untrusted submission code runs (docker, bubblewrap, local).

sandbox = get_sandbox(None, allow_unsafe_local=False)
result = sandbox.run(SandboxSpec(argv=(sandbox.python, "-m", "worker.runner", ...),
                                 output_dir=..., mounts=(...), limits=Limits(...)))
"""

from worker.sandbox.bubblewrap import BubblewrapSandbox
from worker.sandbox.docker_sandbox import DockerSandbox
from worker.sandbox.factory import BACKENDS, UNSAFE_LOCAL_ENV, get_sandbox
from worker.sandbox.local import LocalSandbox
from worker.sandbox.runtime import DockerRuntime
from worker.sandbox.spec import (
    OUTPUT_DIR,
    Limits,
    Mount,
    Sandbox,
    SandboxError,
    SandboxResult,
    SandboxSpec,
    SandboxUnavailableError,
    StartedRun,
)

__all__ = [
    "BACKENDS",
    "OUTPUT_DIR",
    "UNSAFE_LOCAL_ENV",
    "BubblewrapSandbox",
    "DockerRuntime",
    "DockerSandbox",
    "Limits",
    "LocalSandbox",
    "Mount",
    "Sandbox",
    "SandboxError",
    "SandboxResult",
    "SandboxSpec",
    "SandboxUnavailableError",
    "StartedRun",
    "get_sandbox",
]
