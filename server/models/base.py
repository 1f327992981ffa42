"""The declarative base, column types shared by all tables, and the timestamp mixin.

Two cross-database traps are closed here, so that SQLite (embedded mode, some tests) and
PostgreSQL (production) behave the same:

- SQLite has no time zones: a `DateTime(timezone=True)` comes back naive there and aware
  on PostgreSQL, and comparing the two raises. `UtcDateTime` always hands back aware UTC
  datetimes and refuses naive ones.
- Native enums differ (PostgreSQL `CREATE TYPE`, nothing on SQLite) and are painful to
  migrate. `enum_column_type` stores the enum's *value* in a VARCHAR with a named CHECK
  constraint on both.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, MetaData, func
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so that migrations can drop or alter them by name on
# both backends (SQLite batch mode needs names to find constraints again).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Long enough for any value we are likely to add, so that adding one later only changes
# the CHECK constraint and not the column type.
ENUM_LENGTH = 32


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (what every timestamp column stores)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware one, e.g. utcnow()")
        value = value.astimezone(UTC)
        # SQLite stores the text as given; dropping the offset keeps its values sortable.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column_type(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: the member's value in a VARCHAR, checked by a named CHECK."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=ENUM_LENGTH,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


def json_type() -> JSON:
    """Plain JSON on both backends, not JSONB: JSONB reorders object keys, and score dicts
    should come back in the order they were written, as they do on SQLite.

    A new object each call: `as_mutable` below binds to the type *object*, and sharing
    one between dicts and lists would apply both.
    """
    return JSON()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Mutable* so that `fold.valid_scores["auc"] = 0.9` is saved like an assignment would
    # be (top-level keys and items only; nested values still need reassigning).
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 (SQLAlchemy's own hook)
        datetime: UtcDateTime(),
        dict[str, Any]: MutableDict.as_mutable(json_type()),
        dict[str, float]: MutableDict.as_mutable(json_type()),
        list[str]: MutableList.as_mutable(json_type()),
    }


class TimestampMixin:
    """`created_at` set on insert (by the database too, for raw SQL inserts); `updated_at`
    set on each ORM update."""

    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.current_timestamp(), index=False
    )
    updated_at: Mapped[datetime | None] = mapped_column(default=None, onupdate=utcnow)
