"""The migrations build exactly the schema the models describe, up and down, on both
backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from server.db import (
    create_engine,
    current_revision,
    downgrade_database,
    head_revision,
    render_migration_item,
)
from server.db import upgrade_database as upgrade
from server.models import Base
from tests.conftest import temporary_postgres_database

ALEMBIC_TABLE = "alembic_version"


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_item": render_migration_item}
        )
        return list(compare_metadata(context, Base.metadata))


def user_tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {ALEMBIC_TABLE}
    finally:
        engine.dispose()


def assert_upgrade_downgrade_upgrade(url: str) -> None:
    assert current_revision(url) is None

    upgrade(url)
    assert current_revision(url) == head_revision()
    assert user_tables(url) == set(Base.metadata.tables)

    downgrade_database(url, "base")
    assert current_revision(url) is None
    assert user_tables(url) == set()

    upgrade(url)
    assert current_revision(url) == head_revision()
    assert user_tables(url) == set(Base.metadata.tables)


def test_sqlite_migrations_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    assert_upgrade_downgrade_upgrade(f"sqlite:///{tmp_path / 'cycle.db'}")


def test_postgres_migrations_upgrade_downgrade_upgrade() -> None:
    with temporary_postgres_database() as url:
        assert_upgrade_downgrade_upgrade(url)


def test_upgrading_an_up_to_date_database_changes_nothing(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    assert current_revision(sqlite_url) == head_revision()


def test_migrated_sqlite_schema_matches_the_models(sqlite_engine: Engine) -> None:
    assert schema_differences(sqlite_engine) == []


def test_migrated_postgres_schema_matches_the_models(postgres_engine: Engine) -> None:
    assert schema_differences(postgres_engine) == []


def test_migrations_run_without_depending_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    upgrade(url)
    assert current_revision(url) == head_revision()
