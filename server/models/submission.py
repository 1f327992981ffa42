"""`submissions`: a team's code for an event, and where it is in its lifecycle.

new -> queued -> running -> scored | failed | cancelled. The row is the source of truth;
the broker only carries its id.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from server.models.base import Base, TimestampMixin, enum_column_type

if TYPE_CHECKING:
    from server.models.bagged_score import BaggedScore
    from server.models.event import Event
    from server.models.submission_credit import SubmissionCredit
    from server.models.submission_file import SubmissionFile
    from server.models.submission_fold_result import SubmissionFoldResult
    from server.models.team import Team
    from server.models.user import User


class SubmissionState(enum.StrEnum):
    NEW = "new"
    QUEUED = "queued"
    RUNNING = "running"
    SCORED = "scored"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_finished(self) -> bool:
        return self in FINISHED_STATES


FINISHED_STATES = frozenset(
    {SubmissionState.SCORED, SubmissionState.FAILED, SubmissionState.CANCELLED}
)


class FailureKind(enum.StrEnum):
    """Why a submission did not score; the first four are the participant's to fix."""

    BROKEN_KIT = "broken_kit"
    IMPORT_ERROR = "import_error"
    TRAINING_ERROR = "training_error"
    BAD_PREDICTIONS = "bad_predictions"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    CANCELLED = "cancelled"
    PLATFORM_ERROR = "platform_error"


class Submission(TimestampMixin, Base):
    __tablename__ = "submissions"
    __table_args__ = (
        # The team must belong to the submission's event (teams has UNIQUE(id, event_id)).
        ForeignKeyConstraint(
            ["team_id", "event_id"], ["teams.id", "teams.event_id"], ondelete="CASCADE"
        ),
        UniqueConstraint("event_id", "team_id", "name"),
        # A failure kind only makes sense once the submission has stopped.
        CheckConstraint(
            "failure_kind IS NULL OR state IN ('failed', 'cancelled')",
            name="failure_kind_only_when_stopped",
        ),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # Leaderboards and quotas: per event by state, per team within an event.
        Index("ix_submissions_event_id_state", "event_id", "state"),
        Index("ix_submissions_event_id_team_id", "event_id", "team_id"),
        # The queue (oldest first) and the stale-running sweep.
        Index("ix_submissions_state_queued_at", "state", "queued_at"),
        # Refusing a resubmission of identical code.
        Index("ix_submissions_event_id_content_sha256", "event_id", "content_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 over the files (names and contents), see server.models.submission_file.
    content_sha256: Mapped[str] = mapped_column(String(64))

    state: Mapped[SubmissionState] = mapped_column(
        enum_column_type(SubmissionState, "submission_state"), default=SubmissionState.NEW
    )
    failure_kind: Mapped[FailureKind | None] = mapped_column(
        enum_column_type(FailureKind, "failure_kind"), default=None
    )
    failure_log: Mapped[str] = mapped_column(Text, default="")

    # Queue order is by queued_at; a position is computed, never stored, so it cannot
    # go stale when submissions ahead finish.
    queued_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    # Celery task id, to revoke a queued task on cancellation.
    task_id: Mapped[str | None] = mapped_column(String(255), default=None)
    worker_id: Mapped[str | None] = mapped_column(String(255), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    peak_memory_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)

    # Platform failures are not charged against the team's daily quota.
    charged_to_quota: Mapped[bool] = mapped_column(default=True)
    # Excluded by an organiser from the blend (and so from contributivity).
    is_excluded: Mapped[bool] = mapped_column(default=False)
    contributivity: Mapped[float] = mapped_column(default=0.0)
    historical_contributivity: Mapped[float] = mapped_column(default=0.0)

    event: Mapped[Event] = relationship(lazy="raise")
    team: Mapped[Team] = relationship(
        lazy="raise", foreign_keys=[team_id], primaryjoin="Submission.team_id == Team.id"
    )
    submitted_by: Mapped[User | None] = relationship(lazy="raise")
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="submission",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SubmissionFile.name",
    )
    fold_results: Mapped[list[SubmissionFoldResult]] = relationship(
        back_populates="submission",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SubmissionFoldResult.fold_index",
    )
    bagged_scores: Mapped[list[BaggedScore]] = relationship(
        back_populates="submission",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    # Submissions this one builds on (for historical contributivity).
    credits: Mapped[list[SubmissionCredit]] = relationship(
        back_populates="submission",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        foreign_keys="SubmissionCredit.submission_id",
    )

    @validates("team")
    def _copy_event_of_team(self, _key: str, team: Team) -> Team:
        # Saves callers from setting event_id by hand; the composite key checks it anyway.
        if team is not None and team.event_id is not None:
            self.event_id = team.event_id
        return team

    def __repr__(self) -> str:
        return f"Submission(id={self.id!r}, name={self.name!r}, state={self.state!r})"
