"""`event_registrations`: a user's sign-up to an event, approved or not."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin, enum_column_type

if TYPE_CHECKING:
    from server.models.event import Event
    from server.models.user import User


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class EventRegistration(TimestampMixin, Base):
    __tablename__ = "event_registrations"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column_type(RegistrationStatus, "registration_status"),
        default=RegistrationStatus.PENDING,
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    event: Mapped[Event] = relationship(lazy="raise")
    user: Mapped[User] = relationship(
        back_populates="registrations", lazy="raise", foreign_keys=[user_id]
    )
    decided_by: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[decided_by_id])
