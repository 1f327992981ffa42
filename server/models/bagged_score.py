"""`bagged_scores`: a submission's score after bagging its folds' predictions.

One row per (submission, step, score name) rather than a JSON blob, so that leaderboards
can sort and filter on a score in SQL.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin, enum_column_type

if TYPE_CHECKING:
    from server.models.submission import Submission


class ScoreStep(enum.StrEnum):
    """`valid` is public while the event runs; `test` is private until it closes."""

    VALID = "valid"
    TEST = "test"


class BaggedScore(TimestampMixin, Base):
    __tablename__ = "bagged_scores"
    __table_args__ = (
        UniqueConstraint("submission_id", "step", "score_name"),
        Index("ix_bagged_scores_score_name_step", "score_name", "step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    step: Mapped[ScoreStep] = mapped_column(enum_column_type(ScoreStep, "score_step"))
    score_name: Mapped[str] = mapped_column(String(100))
    value: Mapped[float]
    # Folds that were bagged; fewer than the kit's folds means a partial result.
    n_folds: Mapped[int] = mapped_column(default=0)

    submission: Mapped[Submission] = relationship(back_populates="bagged_scores", lazy="raise")
