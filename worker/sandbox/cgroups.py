"""Per-run control groups for the bubblewrap backend: memory, pids and CPU limits.

rlimits are a poor substitute: RLIMIT_AS counts reserved address space (numpy and torch
reserve far more than they touch), and RLIMIT_NPROC counts every process of the uid and
is ignored for root. So when the worker may create cgroups (root, or a delegated v2
subtree) each run gets its own group; otherwise `create` returns None and the caller
falls back to rlimits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
import uuid
from pathlib import Path

from worker.sandbox.spec import Limits

logger = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000
GROUP_PREFIX = "ramplab-"
#: An empty group older than this was left by a worker killed mid-run: removed on sight.
STALE_SECONDS = 3600
V1_CONTROLLERS = ("memory", "pids", "cpu")
_fallback_warned = threading.Event()


class RunCgroup:
    """One cgroup per run (one directory per controller on cgroup v1)."""

    def __init__(self, directories: dict[str, Path], *, unified: bool) -> None:
        self._dirs = directories
        self._unified = unified

    @classmethod
    def create(cls, limits: Limits) -> RunCgroup | None:
        """Create and configure a group for one run, or None if this machine won't let us."""
        name = f"{GROUP_PREFIX}{uuid.uuid4().hex[:12]}"
        try:
            if (CGROUP_ROOT / "cgroup.controllers").exists():
                group = cls._create_v2(name)
            else:
                group = cls._create_v1(name)
        except OSError as error:
            _warn_fallback(f"cannot create a cgroup ({error})")
            return None
        try:
            group._configure(limits)
        except OSError as error:
            _warn_fallback(f"cannot configure a cgroup ({error})")
            group.remove()
            return None
        return group

    @classmethod
    def _create_v1(cls, name: str) -> RunCgroup:
        own_paths = _own_v1_paths()
        directories = {}
        try:
            for controller in V1_CONTROLLERS:
                if controller not in own_paths:
                    raise OSError(f"cgroup v1 controller {controller} not mounted")
                mounted, own = own_paths[controller]
                parent = mounted / own.lstrip("/")
                _remove_stale_groups(parent)
                directory = parent / name
                directory.mkdir()
                directories[controller] = directory
        except OSError:
            cls(directories, unified=False).remove()
            raise
        return cls(directories, unified=False)

    @classmethod
    def _create_v2(cls, name: str) -> RunCgroup:
        # A parent without processes of its own may enable controllers for its children
        # (the "no internal processes" rule), so every run lives under one shared parent.
        parent = CGROUP_ROOT / "ramplab-sandboxes"
        parent.mkdir(exist_ok=True)
        (parent / "cgroup.subtree_control").write_text("+memory +pids +cpu")
        _remove_stale_groups(parent)
        directory = parent / name
        directory.mkdir()
        return cls({"memory": directory, "pids": directory, "cpu": directory}, unified=True)

    def _configure(self, limits: Limits) -> None:
        memory, pids, cpu = self._dirs["memory"], self._dirs["pids"], self._dirs["cpu"]
        quota = max(1000, int(limits.cpus * CPU_PERIOD_US))
        if self._unified:
            (memory / "memory.max").write_text(str(limits.memory_bytes))
            with contextlib.suppress(FileNotFoundError):  # no swap configured at all
                (memory / "memory.swap.max").write_text("0")
            (pids / "pids.max").write_text(str(limits.pids))
            (cpu / "cpu.max").write_text(f"{quota} {CPU_PERIOD_US}")
            return
        (memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
        with contextlib.suppress(FileNotFoundError):  # swap accounting disabled
            (memory / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_bytes))
        (pids / "pids.max").write_text(str(limits.pids))
        (cpu / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(quota))

    @property
    def procs_files(self) -> list[Path]:
        """The files a process writes its pid into to join this group."""
        return sorted({directory / "cgroup.procs" for directory in self._dirs.values()})

    def _pids(self) -> set[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            with contextlib.suppress(OSError):
                found.update(int(line) for line in procs.read_text().split())
        return found

    def kill_all(self) -> None:
        """SIGKILL every process in the group, including ones that left the session."""
        for _ in range(50):
            pids = self._pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def oom_killed(self) -> bool:
        if self._unified:
            events = _read_flat_keyed(self._dirs["memory"] / "memory.events")
            return events.get("oom_kill", 0) > 0 or events.get("oom", 0) > 0
        control = _read_flat_keyed(self._dirs["memory"] / "memory.oom_control")
        if "oom_kill" in control:
            return control["oom_kill"] > 0
        # Older kernels lack the counter: hitting the limit is the best evidence left.
        return _read_int(self._dirs["memory"] / "memory.failcnt") > 0

    def peak_memory_bytes(self) -> int | None:
        name = "memory.peak" if self._unified else "memory.max_usage_in_bytes"
        try:
            return _read_int(self._dirs["memory"] / name)
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        self.kill_all()
        for directory in set(self._dirs.values()):
            for _ in range(100):  # the kernel frees a group a moment after its last task
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
            else:
                logger.warning("could not remove cgroup %s", directory)


def _warn_fallback(reason: str) -> None:
    if _fallback_warned.is_set():  # once per process: the cause does not change between runs
        return
    _fallback_warned.set()
    logger.warning(
        "bubblewrap sandbox: %s; limiting memory and processes with rlimits instead, "
        "which are coarser (address space, per-uid process count)",
        reason,
    )


def _own_v1_paths() -> dict[str, tuple[Path, str]]:
    """Map each v1 controller to (its mount point, this process's group path in it)."""
    paths: dict[str, tuple[Path, str]] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, own = line.split(":", 2)
        for controller in controllers.split(","):
            if not controller:
                continue
            for mounted in (CGROUP_ROOT / controller, CGROUP_ROOT / controllers):
                if mounted.is_dir():
                    paths[controller] = (mounted, own)
                    break
    return paths


def _remove_stale_groups(parent: Path) -> None:
    now = time.time()
    for group in parent.glob(GROUP_PREFIX + "*"):
        with contextlib.suppress(OSError):  # in use, or removed by another worker meanwhile
            if now - group.stat().st_mtime > STALE_SECONDS:
                group.rmdir()  # fails while the group still has processes


def _read_flat_keyed(path: Path) -> dict[str, int]:
    values = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        with contextlib.suppress(ValueError):
            values[key] = int(value)
    return values


def _read_int(path: Path) -> int:
    return int(path.read_text().strip())
