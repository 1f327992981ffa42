"""`team_members`: a user's membership of a team; at most one team per user and event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from server.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from server.models.team import Team
    from server.models.user import User


class TeamMember(TimestampMixin, Base):
    __tablename__ = "team_members"
    __table_args__ = (
        # event_id is a copy of the team's event, kept honest by this composite key, so
        # that the unique constraint below can say "one team per user per event".
        ForeignKeyConstraint(
            ["team_id", "event_id"], ["teams.id", "teams.event_id"], ondelete="CASCADE"
        ),
        UniqueConstraint("event_id", "user_id"),
        UniqueConstraint("team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column()
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    team: Mapped[Team] = relationship(
        back_populates="members",
        lazy="raise",
        foreign_keys=[team_id],
        primaryjoin="TeamMember.team_id == Team.id",
    )
    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")

    @validates("team")
    def _copy_event_of_team(self, _key: str, team: Team) -> Team:
        # Saves callers from setting event_id by hand; the composite key checks it anyway.
        if team is not None and team.event_id is not None:
            self.event_id = team.event_id
        return team
