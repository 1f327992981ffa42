"""`events`: one challenge run on a problem, with its calendar, rules and resources."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from server.models.event_organiser import EventOrganiser
    from server.models.problem import Problem
    from server.models.team import Team

GIB = 1024**3


class Event(TimestampMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("opens_at <= closes_at", name="opens_before_closing"),
        CheckConstraint(
            "public_opens_at IS NULL OR"
            " (public_opens_at >= opens_at AND public_opens_at <= closes_at)",
            name="public_opening_within_event",
        ),
        CheckConstraint("max_team_size >= 1", name="max_team_size_positive"),
        CheckConstraint(
            "min_seconds_between_submissions >= 0", name="min_seconds_between_not_negative"
        ),
        CheckConstraint(
            "daily_submission_quota IS NULL OR daily_submission_quota >= 1",
            name="daily_quota_positive",
        ),
        CheckConstraint("time_limit_seconds > 0", name="time_limit_positive"),
        CheckConstraint("memory_limit_bytes > 0", name="memory_limit_positive"),
        CheckConstraint("cpus > 0", name="cpus_positive"),
        CheckConstraint("gpus >= 0", name="gpus_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("problems.id", ondelete="RESTRICT"), index=True
    )
    # URL slug, unique across events.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    # Submissions are accepted from opens_at to closes_at. From public_opens_at on (the
    # collaborative phase) participants may view and import each other's code; None
    # means code is never shared.
    opens_at: Mapped[datetime]
    public_opens_at: Mapped[datetime | None] = mapped_column(default=None)
    closes_at: Mapped[datetime]

    # Listed and visible to anonymous visitors.
    is_public: Mapped[bool] = mapped_column(default=True)
    # Nobody can sign up; organisers register participants themselves.
    is_invitation_only: Mapped[bool] = mapped_column(default=False)
    signup_needs_approval: Mapped[bool] = mapped_column(default=False)
    max_team_size: Mapped[int] = mapped_column(default=1)

    min_seconds_between_submissions: Mapped[int] = mapped_column(default=900)
    # Submissions charged per team per UTC day; None means no quota.
    daily_submission_quota: Mapped[int | None] = mapped_column(default=None)

    # Sandbox resources per submission (all folds together for the time limit).
    time_limit_seconds: Mapped[int] = mapped_column(default=3600)
    memory_limit_bytes: Mapped[int] = mapped_column(BigInteger, default=4 * GIB)
    cpus: Mapped[float] = mapped_column(default=1.0)
    gpus: Mapped[int] = mapped_column(default=0)

    # One of the problem's score type names; None means the kit's first one.
    official_score_name: Mapped[str | None] = mapped_column(String(100), default=None)
    is_archived: Mapped[bool] = mapped_column(default=False)

    problem: Mapped[Problem] = relationship(back_populates="events", lazy="raise")
    teams: Mapped[list[Team]] = relationship(
        back_populates="event", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    organisers: Mapped[list[EventOrganiser]] = relationship(
        back_populates="event", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Event(id={self.id!r}, name={self.name!r})"
