"""Engines, sessions and migrations, for SQLite (embedded mode) and PostgreSQL.

Sessions: web requests get one from `get_session()` (a FastAPI dependency), worker tasks
open one with `session_scope()`. Both commit when the block succeeds and roll back when it
raises; services in between never commit. Work that must only happen once the data is
committed (enqueueing a task) is registered with `run_after_commit()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, event, make_url, text
from sqlalchemy import create_engine as sqlalchemy_create_engine
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from server.models.base import UtcDateTime
from server.settings import get_settings

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# Any constant will do, as long as every ramplab process uses the same one.
MIGRATION_ADVISORY_LOCK_ID = 0x52414D50  # "RAMP"

_AFTER_COMMIT_KEY = "ramplab_after_commit"
# Alembic keeps the running migration's context in module globals: one at a time per
# process (the database locks below serialise processes).
_migration_lock = threading.RLock()


def normalize_database_url(url: str | URL) -> URL:
    """Parse `url`, making plain `postgres(ql)://` URLs use psycopg 3, our only driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(
    url: str | URL, *, foreign_keys: bool = True, immediate: bool = False, **kwargs: Any
) -> Engine:
    """An engine for `url`, with SQLite set up to behave like a server database.

    On SQLite: foreign keys enforced (off by default there), WAL so that readers do not
    block the writer, a busy timeout so that concurrent writers wait instead of failing,
    and transactions begun by SQLAlchemy rather than by the sqlite3 module, whose own
    handling breaks SAVEPOINT (which the tests and `Session.begin_nested` rely on).
    `foreign_keys=False` is for migrations, where SQLite's table rebuilds would otherwise
    cascade deletes into child tables. `immediate=True` takes SQLite's write lock when a
    transaction begins, so that concurrent migrators queue up instead of failing midway;
    ordinary work keeps deferred transactions, so that readers never wait for a writer.
    """
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sqlalchemy_create_engine(parsed, **kwargs)

    if parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)
    # The web server's thread pool and the embedded worker share the pool's connections.
    connect_args.setdefault("check_same_thread", False)
    engine = sqlalchemy_create_engine(parsed, connect_args=connect_args, **kwargs)
    in_memory = parsed.database in (None, "", ":memory:")
    _configure_sqlite(engine, foreign_keys=foreign_keys, immediate=immediate, in_memory=in_memory)
    return engine


def _configure_sqlite(
    engine: Engine, *, foreign_keys: bool, immediate: bool, in_memory: bool
) -> None:
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit: we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                # Safe with WAL (a crash loses at most the last transactions, never
                # corrupts), and much faster than FULL.
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)


def make_sessionmaker(bind: Engine | Connection) -> sessionmaker[Session]:
    """A session factory for `bind`.

    Objects stay readable after commit (no expiry): a worker reads the row it just
    committed to log it, a request renders what it just saved, without a new query that
    lazy="raise" relationships would refuse anyway.
    """
    return sessionmaker(bind=bind, expire_on_commit=False)


_default_engine: tuple[str, Engine] | None = None
_default_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """The process-wide engine for `settings.database_url` (rebuilt if the URL changes)."""
    global _default_engine
    url = get_settings().database_url
    with _default_engine_lock:
        if _default_engine is None or _default_engine[0] != url:
            if _default_engine is not None:
                _default_engine[1].dispose()
            _default_engine = (url, create_engine(url))
        return _default_engine[1]


def get_sessionmaker() -> sessionmaker[Session]:
    """A session factory bound to `get_engine()`."""
    return make_sessionmaker(get_engine())


@contextmanager
def session_scope(factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises.

    For worker tasks and scripts; `factory` defaults to the process-wide one (tests pass
    theirs, bound to a connection that is rolled back afterwards).
    """
    session = (factory or get_sessionmaker())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session() -> Generator[Session, None, None]:
    """FastAPI dependency: a session for one request, committed if the handler succeeds.

    Override it in tests with `app.dependency_overrides[get_session]`.
    """
    with session_scope() as session:
        yield session


def run_after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Call `callback` once `session` has committed; forget it if the session rolls back.

    Used to enqueue tasks: a task sent before commit could run before its row is
    visible, and one sent by a request that then fails would act on nothing. A failing
    callback is logged and does not stop the others, since the commit has happened.
    """
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit_callbacks(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT_KEY, []):
        try:
            callback()
        except Exception:
            logger.exception("after-commit callback %r failed", callback)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit_callbacks(session: Session, previous: SessionTransaction) -> None:
    # A rolled-back savepoint (begin_nested) leaves the outer transaction alive, and with
    # it the callbacks registered before the savepoint.
    if not previous.nested:
        session.info.pop(_AFTER_COMMIT_KEY, None)


# ----- migrations -------------------------------------------------------------------


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for our migrations, independent of the current directory.

    With `connection`, migrations run on it (inside its transaction); without, env.py
    uses `settings.database_url`.
    """
    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def render_migration_item(
    type_: str, obj: Any, autogen_context: AutogenContext
) -> str | Literal[False]:
    """Autogenerate hook: write our column types as plain SQLAlchemy ones.

    A migration must keep meaning what it meant when written, so it never imports the
    models, whatever they become later.
    """
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def upgrade_database(url: str | URL | None = None, revision: str = "head") -> None:
    """Migrate the database at `url` (default: the configured one) up to `revision`."""
    with migration_connection(url) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade_database(url: str | URL | None, revision: str) -> None:
    """Migrate the database at `url` down to `revision` ("base" empties it)."""
    with migration_connection(url) as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(url: str | URL | None = None) -> str | None:
    """The revision the database is at, None for an empty (never migrated) database."""
    engine = create_engine(url or get_settings().database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision in migrations/versions."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextmanager
def migration_connection(url: str | URL | None) -> Iterator[Connection]:
    engine = create_engine(url or get_settings().database_url, foreign_keys=False, immediate=True)
    try:
        with _migration_lock, engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Web and worker processes may all start at once and all try to migrate;
                # the lock makes the others wait and then find nothing left to do.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_ADVISORY_LOCK_ID}
                )
            yield connection
            if connection.dialect.name == "sqlite":
                _check_sqlite_foreign_keys(connection)
    finally:
        engine.dispose()


def _check_sqlite_foreign_keys(connection: Connection) -> None:
    # Foreign keys were off during the migration (see create_engine); make sure no
    # table rebuild left a dangling reference before committing.
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise RuntimeError(f"migration left dangling foreign keys: {violations[:10]}")
