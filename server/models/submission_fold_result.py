"""`submission_fold_results`: one cross-validation fold's scores, times and predictions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from server.models.submission import Submission


class SubmissionFoldResult(TimestampMixin, Base):
    __tablename__ = "submission_fold_results"
    __table_args__ = (
        UniqueConstraint("submission_id", "fold_index"),
        CheckConstraint("fold_index >= 0", name="fold_index_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    fold_index: Mapped[int]
    # {score_name: value}, as computed (never negated).
    train_scores: Mapped[dict[str, float]] = mapped_column(default=dict)
    valid_scores: Mapped[dict[str, float]] = mapped_column(default=dict)
    test_scores: Mapped[dict[str, float]] = mapped_column(default=dict)
    # Seconds spent in the sandbox fitting, and predicting the valid and test rows.
    train_seconds: Mapped[float | None] = mapped_column(default=None)
    valid_seconds: Mapped[float | None] = mapped_column(default=None)
    test_seconds: Mapped[float | None] = mapped_column(default=None)
    # Folder holding this fold's prediction files, relative to settings.predictions_dir
    # so that the predictions can move with it.
    predictions_path: Mapped[str | None] = mapped_column(String(1024), default=None)

    submission: Mapped[Submission] = relationship(back_populates="fold_results", lazy="raise")
