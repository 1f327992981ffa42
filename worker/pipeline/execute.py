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
from worker.pipeline.job import job_dir
from worker.pipeline.kit_cache import load_cached_kit
from worker.pipeline.outcome import Outcome, PlatformError, failed, outcome_of_run
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
    request: JobRequest, sandbox: Sandbox, *, cancel: threading.Event | None = None
) -> Outcome:
    """Train, predict and score `request` in `sandbox`.

    Raises PlatformError when the sandbox could not do its part; submission failures
    (and a broken kit) come back as an Outcome with a failure.
    """
    try:
        loaded = load_cached_kit(request.kit_path)
    except KitError as error:
        return failed(FailureKind.BROKEN_KIT, str(error))
    with job_dir(request.files, prefix=f"job-{request.submission_id}-") as folders:
        spec = SandboxSpec(
            argv=(sandbox.python, "-m", "worker.runner", "--job", layout.JOB_ROOT),
            output_dir=folders.output_dir,
            mounts=(
                Mount(loaded.kit_copy, f"{layout.JOB_ROOT}/{layout.KIT_DIR}"),
                Mount(loaded.input_dir, f"{layout.JOB_ROOT}/{layout.INPUT_DIR}"),
                Mount(folders.submission_dir, f"{layout.JOB_ROOT}/{layout.SUBMISSION_DIR}"),
                *(Mount(path, str(path)) for path in loaded.data_mounts),
            ),
            workdir=layout.JOB_ROOT,
            env=sandbox_env(request.limits),
            limits=request.limits,
        )
        try:
            result = sandbox.run(spec, cancel=cancel)
        except (SandboxError, DockerException, OSError) as error:
            raise PlatformError(f"the {sandbox.name} sandbox failed: {error}") from error
        return outcome_of_run(
            result, folders.output_dir, loaded, wall_limit=request.limits.wall_seconds
        )


def sandbox_env(limits: Limits) -> dict[str, str]:
    """The sandbox's environment: threads capped to its cores, nothing from the worker."""
    threads = str(max(1, math.floor(limits.cpus)))
    env = dict.fromkeys(THREAD_VARIABLES, threads)
    env["PYTHONUNBUFFERED"] = "1"
    return env
