"""Alembic environment: runs on the connection server.db hands over, or on the URL from
alembic.ini / `RAMPLAB_DATABASE_URL` when invoked through the `alembic` command."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from server.db import migration_connection, render_migration_item
from server.models import Base

config = context.config
target_metadata = Base.metadata

# Only the `alembic` command line configures logging; ramplab itself owns its logging.
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        render_item=render_migration_item,
    )


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    with migration_connection(config.get_main_option("sqlalchemy.url") or None) as connection:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them online")
run_migrations()
