"""Configuration, read from `RAMPLAB_*` environment variables.

Everything that has a sensible default gets one, so that `ramplab` runs with no
configuration at all (embedded mode: a SQLite file and an in-process worker under
`~/.ramplab`). Paths that default to "somewhere under home" are resolved once, when the
settings are built, so the rest of the code never sees `None` for them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SandboxKind = Literal["docker", "bubblewrap", "local"]

SECRET_KEY_FILENAME = "secret_key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAMPLAB_", extra="ignore")

    home: Path = Path("~/.ramplab")
    # Empty means "a SQLite file under home"; `postgresql://` URLs are accepted as well
    # as `postgresql+psycopg://` (see server.db.normalize_database_url).
    database_url: str = ""
    # None means embedded mode: tasks run in an in-process worker, not through a broker.
    broker_url: str | None = None
    result_backend_url: str | None = None

    # None means "the best the machine offers": docker, else bubblewrap, else local
    # (and local only when `allow_unsafe_local` is set).
    sandbox: SandboxKind | None = None
    allow_unsafe_local: bool = False
    sandbox_image: str = "ramplab-runner:latest"

    # Empty means "under home" for these three.
    predictions_dir: Path = Path()
    kits_dir: Path = Path()
    # Generated once and stored under home, so sessions survive restarts.
    secret_key: str = Field(default="", repr=False)

    base_url: str = "http://localhost:8000"
    max_submission_bytes: int = Field(default=1_000_000, gt=0)
    max_submission_files: int = Field(default=20, gt=0)
    # A `running` submission whose heartbeat is older than this is re-queued.
    stale_running_seconds: int = Field(default=600, gt=0)
    max_attempts: int = Field(default=3, gt=0)
    login_attempts_per_window: int = Field(default=10, gt=0)
    login_window_seconds: int = Field(default=900, gt=0)
    password_reset_ttl_seconds: int = Field(default=3600, gt=0)

    @model_validator(mode="after")
    def _fill_in_defaults(self) -> Settings:
        self.home = self.home.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'ramplab.db'}"
        if self.predictions_dir == Path():
            self.predictions_dir = self.home / "predictions"
        if self.kits_dir == Path():
            self.kits_dir = self.home / "kits"
        self.predictions_dir = self.predictions_dir.expanduser().resolve()
        self.kits_dir = self.kits_dir.expanduser().resolve()
        if not self.secret_key:
            self.secret_key = load_or_create_secret_key(self.home)
        return self

    @property
    def embedded(self) -> bool:
        """True when no broker is configured and tasks run in-process."""
        return self.broker_url is None


def load_or_create_secret_key(home: Path) -> str:
    """Return the secret key stored under `home`, creating it on first use."""
    path = home / SECRET_KEY_FILENAME
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    # Write a private temporary file, then link it into place: the link fails if another
    # process got there first, and then we use its key rather than overwrite it (which
    # would invalidate the cookies it has already signed).
    fd, tmp = tempfile.mkstemp(dir=home, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; call `get_settings.cache_clear()` after changing env."""
    return Settings()
