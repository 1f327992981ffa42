"""The one interface every sandbox backend implements.

A trusted worker describes a run with a `SandboxSpec` (what to execute, what to mount,
which limits apply) and gets a `SandboxResult` back. Everything inside the sandbox is
hostile: the log and the output directory are untrusted, size-capped input.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

#: Where the writable, size-capped output directory appears inside every sandbox.
OUTPUT_DIR = "/job/output"
#: The unprivileged identity sandboxed code runs as (``nobody:nogroup`` on Debian).
SANDBOX_UID = 65534
SANDBOX_GID = 65534

MiB = 1024 * 1024


class SandboxError(RuntimeError):
    """A sandbox could not be set up or run (not a failure of the sandboxed code)."""


class SandboxUnavailableError(SandboxError):
    """The requested backend does not work on this machine, or none does."""


@dataclass(frozen=True)
class Mount:
    """A host path made visible inside the sandbox, read-only unless said otherwise.

    Docker runs the code as the real uid 65534, so the source must be readable by others
    (directories 0755, files 0644): the worker prepares job folders that way.
    """

    source: Path
    target: str
    read_only: bool = True

    def __post_init__(self) -> None:
        if not self.target.startswith("/"):
            raise ValueError(f"mount target must be absolute: {self.target!r}")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run. Sizes are in bytes."""

    wall_seconds: float = 3600.0
    memory_bytes: int = 4096 * MiB
    cpus: float = 1.0
    pids: int = 256
    output_bytes: int = 256 * MiB
    log_bytes: int = 1 * MiB
    tmpfs_bytes: int = 256 * MiB
    gpus: int = 0

    def __post_init__(self) -> None:
        for name in ("wall_seconds", "memory_bytes", "cpus", "pids", "log_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive")
        for name in ("output_bytes", "tmpfs_bytes", "gpus"):
            if getattr(self, name) < 0:
                raise ValueError(f"Limits.{name} must not be negative")


@dataclass(frozen=True)
class SandboxSpec:
    """What to run in a sandbox.

    `argv[0]` is a path *inside* the sandbox (use `Sandbox.python` for the interpreter).
    `env` is the complete environment: nothing is inherited from the worker, whose
    environment holds credentials. `output_dir` is a host directory; it is filled after
    the run with what the code wrote to `OUTPUT_DIR`, at most `limits.output_bytes`.
    """

    argv: tuple[str, ...]
    output_dir: Path
    mounts: tuple[Mount, ...] = ()
    workdir: str = "/job"
    env: Mapping[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if not self.argv:
            raise ValueError("SandboxSpec.argv must not be empty")
        for mount in self.mounts:
            if mount.target == OUTPUT_DIR or mount.target.startswith(OUTPUT_DIR + "/"):
                raise ValueError(f"{OUTPUT_DIR} is reserved for the output directory")


@dataclass(frozen=True)
class SandboxResult:
    """What happened in a run, in the words a participant should read."""

    exit_code: int | None
    timed_out: bool
    oom_killed: bool
    cancelled: bool
    log: bytes
    log_truncated: bool
    output_too_large: bool
    wall_seconds: float
    peak_memory_bytes: int | None

    @property
    def ok(self) -> bool:
        """True when the code exited 0 and no limit was hit."""
        return self.failure is None

    @property
    def failure(self) -> str | None:
        """A one-line reason for the failure, or None when the run succeeded."""
        if self.cancelled:
            return "cancelled"
        if self.timed_out:
            return f"timed out after {self.wall_seconds:.0f} s"
        if self.oom_killed:
            return "out of memory"
        if self.output_too_large:
            return "output directory exceeded its size limit"
        if self.exit_code != 0:
            return f"exited with code {self.exit_code}"
        return None


class StartedRun(Protocol):
    """A sandbox started ahead of its job (see gate.py): warming up, then released once."""

    def is_warm(self) -> bool:
        """True once the program waits at its gate, or has already ended."""
        ...

    def release(self, *, cancel: threading.Event | None = None) -> SandboxResult:
        """Let the program go on and supervise it to its end; limits count from now."""
        ...

    def discard(self) -> None:
        """Kill the sandbox unused and clean up after it."""
        ...


class Sandbox(Protocol):
    """A way to run untrusted code under limits."""

    name: ClassVar[str]
    #: False only for the local backend, which runs code as the worker itself.
    is_isolated: ClassVar[bool]

    @property
    def python(self) -> str:
        """Path of the Python interpreter inside the sandbox (for `SandboxSpec.argv`)."""
        ...

    @classmethod
    def available(cls) -> bool:
        """Whether this backend works on this machine (cheap; never raises)."""
        ...

    def run(self, spec: SandboxSpec, *, cancel: threading.Event | None = None) -> SandboxResult:
        """Run `spec` to completion, timeout or cancellation; never leaves anything running."""
        ...

    def start(self, spec: SandboxSpec) -> StartedRun:
        """Start `spec` now, to be released later (a program that waits at the gate warms
        up meanwhile; one that does not is simply running). Release or discard it."""
        ...
