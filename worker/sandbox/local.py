"""The unsafe local backend: no isolation at all, for one's own laptop only.

Submissions run as the worker's user with the worker's files and network in reach; only
the wall-clock limit, the log cap and an after-the-fact output size check apply.

Nothing can be mounted, so the sandbox's folders are recreated under a scratch folder as
symlinks (scratch/job/submission -> the submission's host folder, scratch/job/output ->
the output dir...), and every argv item, env value and the workdir that starts with one
of their top folders (/job) is rewritten to point there. Code that hard-codes /job/...
paths instead of taking them from its arguments does not work locally.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import ClassVar

from worker.sandbox.capture import directory_size
from worker.sandbox.gate import Gate
from worker.sandbox.process import GatedProcessRun, StartedProcess
from worker.sandbox.spec import OUTPUT_DIR, SandboxResult, SandboxSpec

logger = logging.getLogger(__name__)


class LocalSandbox:
    """Runs code as a plain subprocess of the worker. Not a security boundary."""

    name: ClassVar[str] = "local"
    is_isolated: ClassVar[bool] = False

    @property
    def python(self) -> str:
        return sys.executable

    @classmethod
    def available(cls) -> bool:
        return True

    def run(self, spec: SandboxSpec, *, cancel: threading.Event | None = None) -> SandboxResult:
        return self.start(spec).release(cancel=cancel)

    def start(self, spec: SandboxSpec) -> _LocalRun:
        logger.warning(
            "running %s with the local sandbox: submissions are NOT isolated from this "
            "machine (files, network, credentials)",
            spec.argv[0],
        )
        spec.output_dir.mkdir(parents=True, exist_ok=True)
        scratch = tempfile.TemporaryDirectory(prefix="ramplab-local-")
        gate = Gate(spec.output_dir.parent)
        try:
            translate = _fake_root(Path(scratch.name), spec)
            workdir = translate(spec.workdir)
            env = {key: translate(value) for key, value in spec.env.items()}
            process = StartedProcess(
                [translate(arg) for arg in spec.argv],
                env={**env, **gate.env(str(gate.dir))},
                cwd=workdir if Path(workdir).is_dir() else scratch.name,
                log_bytes=spec.limits.log_bytes,
            )
        except BaseException:
            gate.remove()
            scratch.cleanup()
            raise
        return _LocalRun(spec, process, gate, scratch)


class _LocalRun(GatedProcessRun):
    """One started local process (see StartedRun)."""

    def __init__(
        self,
        spec: SandboxSpec,
        process: StartedProcess,
        gate: Gate,
        scratch: tempfile.TemporaryDirectory[str],
    ) -> None:
        super().__init__(spec, process, gate)
        self._scratch = scratch

    def release(self, *, cancel: threading.Event | None = None) -> SandboxResult:
        spec = self._spec
        try:
            outcome = self._open_and_supervise(cancel)
        finally:
            self._clean_up()
        too_large = directory_size(spec.output_dir) > spec.limits.output_bytes
        if too_large:
            shutil.rmtree(spec.output_dir)
            spec.output_dir.mkdir()
        return SandboxResult(
            exit_code=outcome.exit_code,
            timed_out=outcome.timed_out,
            oom_killed=False,
            cancelled=outcome.cancelled,
            log=outcome.log.value(),
            log_truncated=outcome.log.truncated,
            output_too_large=too_large,
            wall_seconds=outcome.wall_seconds,
            peak_memory_bytes=outcome.max_rss_bytes,
        )

    def _free(self) -> None:
        self._scratch.cleanup()


def _fake_root(scratch: Path, spec: SandboxSpec) -> Callable[[str], str]:
    """Link the sandbox's folders under `scratch`; return the path translation to use."""
    links = {mount.target: mount.source for mount in spec.mounts}
    links[OUTPUT_DIR] = spec.output_dir
    for target, source in links.items():
        link = scratch / target.lstrip("/")
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source.resolve())
    top_folders = {"/" + PurePosixPath(target).parts[1] for target in links}

    def translate(value: str) -> str:
        for top in top_folders:
            if value == top or value.startswith(top + "/"):
                return str(scratch) + value
        return value

    return translate
