"""The bubblewrap backend: Linux namespaces without a daemon, for embedded mode.

`bwrap` gives the code an empty root with read-only binds of only the interpreter, the
system libraries, the runner code and the job's inputs; no network (a fresh, empty
network namespace), no capabilities, a fresh pid namespace and uid 65534. Memory, pids
and CPU are limited by a per-run cgroup when the worker may create one, else by rlimits.

The output directory is a size-limited tmpfs, shipped back through a pipe by the
launcher (see launcher.py).
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

from worker.sandbox.capture import OUTPUT_SLACK_BYTES, extract_output
from worker.sandbox.cgroups import RunCgroup
from worker.sandbox.gate import Gate
from worker.sandbox.launcher import launcher_argv
from worker.sandbox.process import GatedProcessRun, StartedProcess
from worker.sandbox.runtime import host_python_env, host_python_mounts, host_symlinks
from worker.sandbox.spec import (
    OUTPUT_DIR,
    SANDBOX_GID,
    SANDBOX_UID,
    Limits,
    SandboxResult,
    SandboxSpec,
)

# Joins the run's cgroups (pid files given before "--"), then execs the rest: done in a
# shell rather than a Popen preexec_fn, which is unsafe in a threaded worker.
JOIN_CGROUPS = (
    'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; '
    'shift; exec "$@"'
)
#: CPU seconds a sandbox may spend warming up (imports, kit, data) on top of its limit.
WARM_UP_CPU_SECONDS = 300


class BubblewrapSandbox:
    """Runs code with `bwrap` as an unprivileged user in fresh namespaces."""

    name: ClassVar[str] = "bubblewrap"
    is_isolated: ClassVar[bool] = True

    @property
    def python(self) -> str:
        return sys.executable

    @classmethod
    def available(cls) -> bool:
        return _bwrap_works()

    def run(self, spec: SandboxSpec, *, cancel: threading.Event | None = None) -> SandboxResult:
        return self.start(spec).release(cancel=cancel)

    def start(self, spec: SandboxSpec) -> _BubblewrapRun:
        spec.output_dir.mkdir(parents=True, exist_ok=True)
        cgroup = RunCgroup.create(spec.limits)
        gate = Gate(spec.output_dir.parent)
        try:
            argv = _rlimit_argv(spec.limits, cgroup)
            if cgroup is not None:
                files = [str(path) for path in cgroup.procs_files]
                argv = ["/bin/sh", "-c", JOIN_CGROUPS, "sh", *files, "--", *argv]
            archive_read, archive_write = os.pipe()
            collector = _OutputCollector(archive_read, spec)
            try:
                process = StartedProcess(
                    [*argv, *_bwrap_argv(spec, archive_write, gate)],
                    env={"PATH": "/usr/bin:/bin"},
                    cwd="/",
                    log_bytes=spec.limits.log_bytes,
                    kill_extra=cgroup.kill_all if cgroup else lambda: None,
                    pass_fds=(archive_write,),
                )
            finally:
                os.close(archive_write)  # the sandbox holds it; the collector sees its end
        except BaseException:
            gate.remove()
            if cgroup is not None:
                cgroup.remove()
            raise
        return _BubblewrapRun(spec, process, collector, cgroup, gate)


class _BubblewrapRun(GatedProcessRun):
    """One started bwrap sandbox (see StartedRun)."""

    def __init__(
        self,
        spec: SandboxSpec,
        process: StartedProcess,
        collector: _OutputCollector,
        cgroup: RunCgroup | None,
        gate: Gate,
    ) -> None:
        super().__init__(spec, process, gate)
        self._collector = collector
        self._cgroup = cgroup

    def release(self, *, cancel: threading.Event | None = None) -> SandboxResult:
        try:
            outcome = self._open_and_supervise(cancel)
            self._collector.join()
            cgroup = self._cgroup
            if cgroup is not None:
                oom_killed, peak = cgroup.oom_killed(), cgroup.peak_memory_bytes()
            else:
                # With RLIMIT_AS an allocation fails with MemoryError instead of an OOM
                # kill, and the traceback at the end of the log is the only trace of it.
                oom_killed = b"MemoryError" in outcome.log.value()[-4096:]
                peak = outcome.max_rss_bytes
        finally:
            self._clean_up()
        return SandboxResult(
            exit_code=outcome.exit_code,
            timed_out=outcome.timed_out,
            oom_killed=oom_killed,
            cancelled=outcome.cancelled,
            log=outcome.log.value(),
            log_truncated=outcome.log.truncated,
            output_too_large=self._collector.fits is False,
            wall_seconds=outcome.wall_seconds,
            peak_memory_bytes=peak,
        )

    def _free(self) -> None:
        self._collector.join()  # the archive pipe ends with the process
        if self._cgroup is not None:
            self._cgroup.remove()


class _OutputCollector(threading.Thread):
    """Extracts the launcher's archive from a pipe while the sandbox runs."""

    def __init__(self, fd: int, spec: SandboxSpec) -> None:
        super().__init__(daemon=True)
        self._pipe = os.fdopen(fd, "rb")
        self._spec = spec
        self.fits: bool | None = None
        self.start()

    def run(self) -> None:
        with self._pipe:
            chunks = iter(functools.partial(self._pipe.read, 64 * 1024), b"")
            self.fits = extract_output(
                chunks, self._spec.output_dir, output_bytes=self._spec.limits.output_bytes
            )


def _rlimit_argv(limits: Limits, cgroup: RunCgroup | None) -> list[str]:
    biggest_file = max(limits.output_bytes, limits.tmpfs_bytes) + OUTPUT_SLACK_BYTES
    # A backstop behind the wall-clock limit, which starts when the gate opens: the CPU
    # a warm-up used before that is allowed for on top.
    cpu_seconds = math.ceil(limits.wall_seconds * max(1.0, limits.cpus)) + WARM_UP_CPU_SECONDS
    argv = ["prlimit", "--core=0", f"--fsize={biggest_file}", f"--cpu={cpu_seconds}"]
    if cgroup is None:
        # Fallbacks. RLIMIT_AS counts reserved, not used, memory. RLIMIT_NPROC counts all
        # processes of the real uid (the sandbox's uid is the worker's outside the user
        # namespace), so the worker's own processes are added; root ignores it entirely.
        nproc = limits.pids + _processes_of_this_user()
        argv += [f"--as={limits.memory_bytes}", f"--nproc={nproc}"]
    return [*argv, "--"]


def _bwrap_argv(spec: SandboxSpec, archive_fd: int, gate: Gate) -> list[str]:
    limits = spec.limits
    argv = [
        _bwrap(),
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_GID),
        "--cap-drop", "ALL",
        "--hostname", "sandbox",
        "--clearenv",
    ]  # fmt: skip
    env = {**host_python_env(), "HOME": "/tmp", **spec.env, **gate.env()}
    for key, value in env.items():
        argv += ["--setenv", key, value]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for link, target in host_symlinks().items():
        argv += ["--symlink", target, link]
    mounts = [*host_python_mounts(), *spec.mounts, gate.mount]
    for mount in sorted(mounts, key=lambda m: m.target.count("/")):
        argv += ["--ro-bind" if mount.read_only else "--bind", str(mount.source), mount.target]
    argv += ["--perms", "1777", "--size", str(max(limits.tmpfs_bytes, 4096)), "--tmpfs", "/tmp"]
    output_size = limits.output_bytes + OUTPUT_SLACK_BYTES
    argv += ["--perms", "0755", "--size", str(output_size), "--tmpfs", OUTPUT_DIR]
    argv += ["--dir", spec.workdir, "--chdir", spec.workdir, "--remount-ro", "/"]
    return [*argv, "--", *launcher_argv(sys.executable, archive_fd, spec.argv)]


def _processes_of_this_user() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += entry.stat().st_uid == uid
    return count


def _bwrap() -> str:
    return shutil.which("bwrap") or "/usr/bin/bwrap"


@functools.cache
def _bwrap_works() -> bool:
    if shutil.which("bwrap") is None or shutil.which("prlimit") is None:
        return False
    # The options of bubblewrap >= 0.8 that the sandbox relies on (--size, --disable-userns).
    probe = [
        _bwrap(), "--unshare-all", "--unshare-user", "--disable-userns",
        "--uid", str(SANDBOX_UID), "--ro-bind", "/", "/", "--size", "65536", "--tmpfs", "/tmp",
        "--", "/bin/true",
    ]  # fmt: skip
    try:
        return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
