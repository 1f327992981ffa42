"""Database fixtures shared by the whole test suite.

- `session`: a PostgreSQL session inside a transaction that is rolled back after the
  test. The database is created once per test run (`ramplab_test_<random>`), migrated
  with our Alembic migrations (so every run tests them too), and dropped at the end.
- `sqlite_session`: the same on a migrated SQLite file.
- `any_session`: runs the test once on each backend.
- `session_factory` / `sqlite_session_factory`: for code that opens its own sessions
  (`server.db.session_scope(factory)`, a FastAPI dependency override). Every session
  they make joins the test's transaction: its commits only release a SAVEPOINT, and the
  whole test is still rolled back. They share one connection: use them from one thread.

Settings: `RAMPLAB_HOME` points at a temporary folder for the whole run, so no test
touches ~/.ramplab, and `RAMPLAB_TEST_DAEMON=0`, so no `ramplab test` daemon outlives
it. Set `RAMPLAB_TEST_POSTGRES_URL` to use another PostgreSQL server.
Passwords are hashed with argon2's cheapest parameters, to keep sign-in tests fast.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from server.db import create_engine, upgrade_database
from server.models import user as user_model
from server.settings import get_settings

DEFAULT_POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    # Real argon2 parameters cost about a second per hash here; tests check behaviour,
    # not strength (test_user.py checks the production parameters separately).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(user_model, "password_hasher", PasswordHasher.from_parameters(CHEAPEST))
        yield


@pytest.fixture(scope="session", autouse=True)
def _ramplab_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("ramplab_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAMPLAB_HOME", str(home))
        # `ramplab test` subprocesses run in their own process unless a test (the
        # daemon's own tests) asks otherwise: no daemon outlives the test run.
        patch.setenv("RAMPLAB_TEST_DAEMON", "0")
        patch.delenv("RAMPLAB_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        yield home
    get_settings.cache_clear()


# ----- PostgreSQL --------------------------------------------------------------------


@contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, and drop it afterwards."""
    admin_url = make_url(os.environ.get("RAMPLAB_TEST_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL))
    name = f"ramplab_test_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as error:
        admin.dispose()
        # Never skip: the test command starts PostgreSQL (scripts/start-services.sh).
        pytest.fail(f"PostgreSQL is not reachable at {admin_url!r}: {error}", pytrace=False)
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of this run's PostgreSQL database, migrated to the latest revision."""
    with temporary_postgres_database() as url:
        upgrade_database(url)
        yield url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


# ----- SQLite ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of this run's SQLite database file, migrated to the latest revision."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'ramplab.db'}"
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlite_url)
    yield engine
    engine.dispose()


# ----- sessions in a rolled-back transaction ----------------------------------------


@contextmanager
def rolled_back_session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory whose sessions all join one transaction, rolled back at the end.

    SQLAlchemy 2's "joining a session into an external transaction" recipe: sessions
    turn their commits into SAVEPOINT releases, so code under test can commit freely.
    """
    connection = engine.connect()
    transaction = connection.begin()
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    try:
        yield factory
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session_factory(postgres_engine: Engine) -> Iterator[sessionmaker[Session]]:
    with rolled_back_session_factory(postgres_engine) as factory:
        yield factory


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A PostgreSQL session; everything it does is rolled back after the test."""
    with session_factory() as session:
        yield session


@pytest.fixture
def sqlite_session_factory(sqlite_engine: Engine) -> Iterator[sessionmaker[Session]]:
    with rolled_back_session_factory(sqlite_engine) as factory:
        yield factory


@pytest.fixture
def sqlite_session(sqlite_session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A SQLite session; everything it does is rolled back after the test."""
    with sqlite_session_factory() as session:
        yield session


@pytest.fixture(params=["postgresql", "sqlite"])
def any_session(request: pytest.FixtureRequest) -> Session:
    """The test runs twice: once with `session`, once with `sqlite_session`."""
    name = "session" if request.param == "postgresql" else "sqlite_session"
    session: Session = request.getfixturevalue(name)
    return session
