from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from server.settings import SECRET_KEY_FILENAME, Settings, get_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("RAMPLAB_HOME", str(home))
    for name in ("DATABASE_URL", "BROKER_URL", "SECRET_KEY", "SANDBOX", "KITS_DIR"):
        monkeypatch.delenv(f"RAMPLAB_{name}", raising=False)
    return home


def test_everything_defaults_to_a_folder_under_home(home: Path) -> None:
    settings = Settings()

    assert settings.home == home
    assert settings.database_url == f"sqlite:///{home / 'ramplab.db'}"
    assert settings.predictions_dir == home / "predictions"
    assert settings.kits_dir == home / "kits"
    assert settings.embedded
    assert settings.sandbox is None
    assert not settings.allow_unsafe_local


def test_environment_variables_override_defaults(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAMPLAB_DATABASE_URL", "postgresql://db/ramplab")
    monkeypatch.setenv("RAMPLAB_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("RAMPLAB_SANDBOX", "bubblewrap")
    monkeypatch.setenv("RAMPLAB_KITS_DIR", str(home / "elsewhere"))
    monkeypatch.setenv("RAMPLAB_MAX_SUBMISSION_BYTES", "2048")
    settings = Settings()

    assert settings.database_url == "postgresql://db/ramplab"
    assert not settings.embedded
    assert settings.sandbox == "bubblewrap"
    assert settings.kits_dir == home / "elsewhere"
    assert settings.max_submission_bytes == 2048


def test_an_unknown_sandbox_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAMPLAB_SANDBOX", "chroot")
    with pytest.raises(ValidationError):
        Settings()


def test_the_secret_key_is_generated_once_and_kept_private(home: Path) -> None:
    first = Settings().secret_key
    second = Settings().secret_key

    assert len(first) >= 32
    assert first == second
    key_file = home / SECRET_KEY_FILENAME
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first not in repr(Settings())


def test_an_explicit_secret_key_is_used_and_nothing_is_written(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAMPLAB_SECRET_KEY", "from-the-environment")

    assert Settings().secret_key == "from-the-environment"
    assert not (home / SECRET_KEY_FILENAME).exists()


def test_get_settings_is_cached_until_cleared(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    try:
        assert get_settings() is get_settings()
        monkeypatch.setenv("RAMPLAB_SANDBOX", "local")
        assert get_settings().sandbox is None
        get_settings.cache_clear()
        assert get_settings().sandbox == "local"
    finally:
        get_settings.cache_clear()
