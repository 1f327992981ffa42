"""Worker tuning read from `RAMPLAB_*` environment variables, next to `server.settings`.

Kept apart from `server.settings` because only worker processes read these: how often a
running job beats and polls for cancellation, how often the sweep runs, how platform
errors are retried, and how the sandbox is set up.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAMPLAB_", extra="ignore")

    # A running job refreshes its heartbeat this often, and notices cancellation then.
    heartbeat_seconds: float = Field(default=5.0, gt=0)
    sweep_seconds: float = Field(default=30.0, gt=0)
    # Celery workers sweep in a thread of their main process (see worker.sweep).
    sweep_in_worker: bool = True
    # A `queued` submission not picked up for this long is sent to the broker again (its
    # message may have been lost with a broker restart); duplicates are harmless.
    resend_queued_after_seconds: float = Field(default=300.0, gt=0)
    # Platform errors are retried after base * 2**(attempt - 1) seconds, capped.
    retry_backoff_seconds: float = Field(default=10.0, ge=0)
    retry_backoff_max_seconds: float = Field(default=300.0, ge=0)
    # Celery's soft/hard time limits sit this far above the event's sandbox limit, to
    # leave room for preparing the job and scoring it.
    task_time_margin_seconds: int = Field(default=120, gt=0)
    # The longest time limit any event may set; the broker's visibility timeout is set
    # above it plus the margins, so a running task's message is never redelivered.
    max_time_limit_seconds: int = Field(default=24 * 3600, gt=0)
    # Docker only: run the host's interpreter in an empty image (CI, tests) instead of the
    # sandbox image (settings.sandbox_image).
    sandbox_host_python: bool = False
    # Job folders and the per-process kit cache; None means $RAMPLAB_HOME/work. With the
    # docker sandbox run from a container, it must have the same path on the host.
    work_dir: Path | None = None
    # Docker only: the interpreter inside settings.sandbox_image (None: the runtime's
    # default). The images built from worker/Dockerfile* have it at /opt/venv/bin/python.
    sandbox_python: str | None = None
    # Start the next job's sandbox as soon as a job is done, so that it has loaded the
    # interpreter, libraries, kit and data when the next submission of that kit arrives
    # (each sandbox still serves one job). Costs one idle sandbox's memory per worker.
    warm_sandboxes: bool = True
    # How long a finished job waits for the next sandbox to be warm before it returns,
    # so that a worker takes its next job only once it can start it without delay.
    warm_up_wait_seconds: float = Field(default=120.0, ge=0)
    sandbox_pids: int = Field(default=256, gt=0)
    sandbox_output_bytes: int = Field(default=256 * 1024 * 1024, gt=0)
    # Embedded mode: jobs run at once, and how often idle threads look for queued work.
    embedded_threads: int = Field(default=1, gt=0)
    embedded_poll_seconds: float = Field(default=1.0, gt=0)

    def resolved_work_dir(self) -> Path:
        """`work_dir`, or `work` under the configured home; created if missing."""
        from server.settings import get_settings

        path = self.work_dir or get_settings().home / "work"
        path.mkdir(parents=True, exist_ok=True)
        return path.resolve()


@lru_cache(maxsize=1)
def get_worker_config() -> WorkerConfig:
    """The process-wide worker configuration (`cache_clear()` after changing env)."""
    return WorkerConfig()
