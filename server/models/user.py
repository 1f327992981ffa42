"""`users`: accounts, their role, password hash and CLI token hash."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin, enum_column_type, utcnow

if TYPE_CHECKING:
    from server.models.event_registration import EventRegistration
    from server.models.team_member import TeamMember

# argon2-cffi's defaults (RFC 9106 low-memory profile). Module-level so that the test
# suite can swap in cheap parameters: the real ones take about a second on a busy CI box.
password_hasher = PasswordHasher()


class UserRole(enum.StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    PARTICIPANT = "participant"


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, salted, in the PHC string format."""
    return password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches `password_hash`; False for a wrong or unusable hash."""
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_api_token(token: str) -> str:
    """The SHA-256 of a CLI token.

    Tokens are 256 random bits, so a fast hash is enough (no dictionary to attack), and a
    deterministic one lets us find the user by the hash of the token they present.
    """
    return hashlib.sha256(token.encode()).hexdigest()


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    # Store it lower-cased: the unique constraint is only as case-insensitive as the data.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(
        enum_column_type(UserRole, "user_role"), default=UserRole.PARTICIPANT
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    api_token_created_at: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="user", lazy="raise", passive_deletes=True
    )
    registrations: Mapped[list[EventRegistration]] = relationship(
        back_populates="user",
        lazy="raise",
        passive_deletes=True,
        foreign_keys="EventRegistration.user_id",
    )

    def set_password(self, password: str) -> None:
        """Replace the password hash with a fresh hash of `password`."""
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """True when `password` is right; upgrades an outdated hash on success.

        The upgraded hash is only flushed with the caller's session, like any change.
        """
        if not verify_password(self.password_hash, password):
            return False
        if password_hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def issue_api_token(self) -> str:
        """Create a new CLI token, store its hash, and return the token (shown once)."""
        token = secrets.token_urlsafe(32)
        self.api_token_hash = hash_api_token(token)
        self.api_token_created_at = utcnow()
        return token

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r}, role={self.role!r})"
