"""Run one submission: kit from the cache, job folder, sandbox, then classify and score.

No database here: the caller reads what the job needs from the submission's row, runs
this outside any transaction (a job may take hours), and stores the outcome after.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from docker.errors import DockerException

from problems.kit import KitError
from server.models import FailureKind
from worker.pipeline.job import JobDir
from worker.pipeline.kit_cache import LoadedKit, load_cached_kit
from worker.pipeline.outcome import Outcome, PlatformError, failed, outcome_of_run
from worker.pipeline.warm import SpecFactory, WarmKey, WarmPool, start_job, wait_until_warm
from worker.runner import layout
from worker.sandbox import Limits, Mount, Sandbox, SandboxError, SandboxSpec

#: Libraries that start one thread per core unless told otherwise; inside a sandbox of
#: `cpus` cores, more threads only fight over the quota.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "LOKY_MAX_CPU_COUNT",
)


@dataclass(frozen=True)
class JobRequest:
    """What a job needs from the database, read before the run so no session is held."""

    submission_id: int
    kit_path: str
    files: Mapping[str, bytes]
    limits: Limits


def run_job(
    request: JobRequest,
    sandbox: Sandbox,
    *,
    cancel: threading.Event | None = None,
    warm: WarmPool | None = None,
) -> Outcome:
    """Train, predict and score `request` in `sandbox` (a warm one from `warm` if any).

    Raises PlatformError when the sandbox could not do its part; submission failures
    (and a broken kit) come back as an Outcome with a failure.
    """
    try:
        loaded = load_cached_kit(request.kit_path)
    except KitError as error:
        return failed(FailureKind.BROKEN_KIT, str(error))
    key = warm_key(sandbox, loaded, request.limits)
    job = warm.take(key) if warm is not None else None
    try:
        if job is None:
            job = start_job(sandbox, key, _spec_factory(sandbox, loaded, request.limits))
        job.folders.write_submission(request.files)
        result = job.run.release(cancel=cancel)
    except BaseException as error:
        if job is not None:
            job.discard()
        if isinstance(error, SandboxError | DockerException | OSError):
            raise PlatformError(f"the {sandbox.name} sandbox failed: {error}") from error
        raise
    try:
        return outcome_of_run(
            result, job.folders.output_dir, loaded, wall_limit=request.limits.wall_seconds
        )
    finally:
        job.folders.remove()


def warm_up_next(
    request: JobRequest, sandbox: Sandbox, warm: WarmPool, *, wait_seconds: float
) -> None:
    """Start a sandbox for a next job like `request` and wait (a while) for it to be warm."""
    loaded = load_cached_kit(request.kit_path)
    key = warm_key(sandbox, loaded, request.limits)
    job = start_job(sandbox, key, _spec_factory(sandbox, loaded, request.limits))
    warm.put(job)
    wait_until_warm(job, wait_seconds)


def warm_key(sandbox: Sandbox, loaded: LoadedKit, limits: Limits) -> WarmKey:
    return WarmKey(sandbox=sandbox.name, kit_copy=loaded.kit_copy, limits=limits)


def _spec_factory(sandbox: Sandbox, loaded: LoadedKit, limits: Limits) -> SpecFactory:
    def spec_for(folders: JobDir) -> SandboxSpec:
        return SandboxSpec(
            argv=(sandbox.python, "-m", "worker.runner", "--job", layout.JOB_ROOT),
            output_dir=folders.output_dir,
            mounts=(
                Mount(loaded.kit_copy, f"{layout.JOB_ROOT}/{layout.KIT_DIR}"),
                Mount(loaded.input_dir, f"{layout.JOB_ROOT}/{layout.INPUT_DIR}"),
                Mount(folders.submission_dir, f"{layout.JOB_ROOT}/{layout.SUBMISSION_DIR}"),
                *(Mount(path, str(path)) for path in loaded.data_mounts),
            ),
            workdir=layout.JOB_ROOT,
            env=sandbox_env(limits),
            limits=limits,
        )

    return spec_for


def sandbox_env(limits: Limits) -> dict[str, str]:
    """The sandbox's environment: threads capped to its cores, nothing from the worker."""
    threads = str(max(1, math.floor(limits.cpus)))
    env = dict.fromkeys(THREAD_VARIABLES, threads)
    env["PYTHONUNBUFFERED"] = "1"
    return env
