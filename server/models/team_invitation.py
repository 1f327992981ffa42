"""`team_invitations`: a team inviting a user to join it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin, enum_column_type

if TYPE_CHECKING:
    from server.models.team import Team
    from server.models.user import User


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class TeamInvitation(TimestampMixin, Base):
    __tablename__ = "team_invitations"
    __table_args__ = (
        # One open invitation per team and user; answered ones are kept as history.
        Index(
            "uq_team_invitations_pending",
            "team_id",
            "invitee_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    invitee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column_type(InvitationStatus, "invitation_status"),
        default=InvitationStatus.PENDING,
    )
    responded_at: Mapped[datetime | None] = mapped_column(default=None)

    team: Mapped[Team] = relationship(back_populates="invitations", lazy="raise")
    invitee: Mapped[User] = relationship(lazy="raise", foreign_keys=[invitee_id])
    invited_by: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[invited_by_id])
