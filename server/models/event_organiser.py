"""`event_organisers`: who may run an event (besides admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from server.models.event import Event
    from server.models.user import User


class EventOrganiser(TimestampMixin, Base):
    __tablename__ = "event_organisers"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    event: Mapped[Event] = relationship(back_populates="organisers", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
