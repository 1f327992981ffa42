from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

import server.db
from server.db import (
    create_engine,
    current_revision,
    get_engine,
    get_session,
    head_revision,
    migration_connection,
    normalize_database_url,
    run_after_commit,
    session_scope,
    upgrade_database,
)
from server.models import User
from server.settings import get_settings
from tests.factories import create_user


def user_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


@pytest.mark.parametrize(
    "url",
    ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"],
)
def test_postgres_urls_use_psycopg_3(url: str) -> None:
    assert normalize_database_url(url).drivername == "postgresql+psycopg"


def test_sqlite_is_set_up_like_a_server_database(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'x.db'}")
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert (pragma("PRAGMA busy_timeout").scalar() or 0) >= 1000
    finally:
        engine.dispose()


def test_session_scope_commits_when_the_block_succeeds(
    sqlite_session_factory: sessionmaker[Session],
) -> None:
    with session_scope(sqlite_session_factory) as session:
        create_user(session)

    assert user_count(sqlite_session_factory) == 1


def test_session_scope_rolls_back_when_the_block_raises(
    sqlite_session_factory: sessionmaker[Session],
) -> None:
    with pytest.raises(RuntimeError), session_scope(sqlite_session_factory) as session:
        create_user(session)
        raise RuntimeError("task failed")

    assert user_count(sqlite_session_factory) == 0


def test_after_commit_callbacks_run_only_once_committed(
    session_factory: sessionmaker[Session],
) -> None:
    sent: list[str] = []

    with session_scope(session_factory) as session:
        run_after_commit(session, lambda: sent.append("committed"))
        assert sent == []
    with pytest.raises(RuntimeError), session_scope(session_factory) as session:
        run_after_commit(session, lambda: sent.append("rolled back"))
        raise RuntimeError

    assert sent == ["committed"]


def test_a_failing_after_commit_callback_does_not_stop_the_others(
    session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[str] = []

    def broker_down() -> None:
        raise ConnectionError("broker down")

    with caplog.at_level(logging.ERROR), session_scope(session_factory) as session:
        run_after_commit(session, broker_down)
        run_after_commit(session, lambda: sent.append("second"))

    assert sent == ["second"]
    assert "broker down" in caplog.text


def test_a_rolled_back_savepoint_keeps_earlier_callbacks(
    session_factory: sessionmaker[Session],
) -> None:
    sent: list[str] = []

    with session_scope(session_factory) as session:
        run_after_commit(session, lambda: sent.append("outer"))
        with pytest.raises(RuntimeError), session.begin_nested():
            raise RuntimeError

    assert sent == ["outer"]


@pytest.fixture
def configured_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'configured.db'}"
    monkeypatch.setenv("RAMPLAB_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    get_engine().dispose()


def test_the_configured_database_is_migrated_by_default(configured_database: str) -> None:
    upgrade_database()

    assert current_revision(configured_database) == head_revision()


def test_get_session_commits_a_successful_request(configured_database: str) -> None:
    upgrade_database()
    request = get_session()
    create_user(next(request), username="kept")
    with pytest.raises(StopIteration):
        next(request)

    with session_scope() as session:
        assert session.scalars(select(User.username)).all() == ["kept"]


def test_get_session_rolls_back_a_failed_request(configured_database: str) -> None:
    upgrade_database()
    request = get_session()
    create_user(next(request), username="lost")
    with pytest.raises(ValueError):
        request.throw(ValueError("handler failed"))

    with session_scope() as session:
        assert session.scalars(select(User.username)).all() == []


def test_the_engine_follows_the_configured_url(
    configured_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = get_engine()
    assert get_engine() is first
    assert str(first.url) == configured_database

    monkeypatch.setenv("RAMPLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    get_settings.cache_clear()
    assert get_engine() is not first
    with get_engine().connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def assert_upgrade_waits_for_a_migration_in_progress(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process is migrating (it holds the database's migration lock): our upgrade
    waits for it to finish instead of failing halfway or migrating twice."""
    # Two processes, played by two threads: drop the in-process lock that would
    # otherwise serialise them before they reach the database's lock.
    monkeypatch.setattr(server.db, "_migration_lock", contextlib.nullcontext())
    locked = threading.Event()

    def other_process_migrating() -> None:
        with migration_connection(url):
            locked.set()
            time.sleep(0.5)

    thread = threading.Thread(target=other_process_migrating)
    thread.start()
    assert locked.wait(timeout=10)
    started = time.monotonic()
    upgrade_database(url)
    waited = time.monotonic() - started
    thread.join()

    assert waited >= 0.3
    assert current_revision(url) == head_revision()


def test_sqlite_migrations_wait_for_each_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'raced.db'}"
    assert_upgrade_waits_for_a_migration_in_progress(url, monkeypatch)


def test_postgres_migrations_wait_for_each_other(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_upgrade_waits_for_a_migration_in_progress(postgres_url, monkeypatch)


def test_a_sqlite_writer_waits_for_another_instead_of_failing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    upgrade_database(url)
    engines = [create_engine(url), create_engine(url)]
    factories = [sessionmaker(bind=engine) for engine in engines]
    holding_lock = threading.Event()

    def slow_writer() -> None:
        with session_scope(factories[0]) as session:
            create_user(session, username="slow")
            session.flush()
            holding_lock.set()
            time.sleep(0.5)

    try:
        thread = threading.Thread(target=slow_writer)
        thread.start()
        assert holding_lock.wait(timeout=10)
        with session_scope(factories[1]) as session:
            create_user(session, username="patient")
        thread.join()
        with session_scope(factories[1]) as session:
            assert sorted(session.scalars(select(User.username))) == ["patient", "slow"]
    finally:
        for engine in engines:
            engine.dispose()
