"""`submission_credits`: how much a submission owes to an earlier one it built on.

Historical contributivity flows back along these links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from server.models.submission import Submission


class SubmissionCredit(TimestampMixin, Base):
    __tablename__ = "submission_credits"
    __table_args__ = (
        UniqueConstraint("submission_id", "source_submission_id"),
        CheckConstraint("submission_id <> source_submission_id", name="not_self"),
        CheckConstraint("weight >= 0 AND weight <= 1", name="weight_between_0_and_1"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    source_submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    weight: Mapped[float]

    submission: Mapped[Submission] = relationship(
        back_populates="credits", lazy="raise", foreign_keys=[submission_id]
    )
    source_submission: Mapped[Submission] = relationship(
        lazy="raise", foreign_keys=[source_submission_id]
    )
