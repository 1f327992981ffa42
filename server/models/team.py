"""`teams`: who submits. Every team belongs to one event; a solo participant is a team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from server.models.event import Event
    from server.models.team_invitation import TeamInvitation
    from server.models.team_member import TeamMember
    from server.models.user import User


class Team(TimestampMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        # Target of the (team_id, event_id) foreign keys of memberships and submissions,
        # which make "this team belongs to that event" a database guarantee.
        UniqueConstraint("id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # The submission the team entered in the competition; None: its best public one.
    # use_alter: submissions reference teams too, so the two tables form a cycle.
    selected_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL", use_alter=True), default=None
    )

    event: Mapped[Event] = relationship(back_populates="teams", lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise")
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        foreign_keys="TeamMember.team_id",
    )
    invitations: Mapped[list[TeamInvitation]] = relationship(
        back_populates="team", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Team(id={self.id!r}, event_id={self.event_id!r}, name={self.name!r})"
