"""Alembic migrations; run them with `server.db.upgrade_database()`."""
