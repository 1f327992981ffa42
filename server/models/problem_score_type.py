"""`problem_score_types`: a kit's score types, in the kit's order, with their direction."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, enum_column_type

if TYPE_CHECKING:
    from server.models.problem import Problem


class ScoreDirection(enum.StrEnum):
    """Which way is better. Scores are stored as computed and never negated."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class ProblemScoreType(Base):
    __tablename__ = "problem_score_types"
    __table_args__ = (
        UniqueConstraint("problem_id", "name"),
        UniqueConstraint("problem_id", "position"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint("display_precision >= 0", name="display_precision_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"))
    # 0 is the kit's official score type.
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    direction: Mapped[ScoreDirection] = mapped_column(
        enum_column_type(ScoreDirection, "score_direction")
    )
    # Digits shown on leaderboards.
    display_precision: Mapped[int] = mapped_column(default=4)

    problem: Mapped[Problem] = relationship(back_populates="score_types", lazy="raise")

    @property
    def is_lower_the_better(self) -> bool:
        return self.direction is ScoreDirection.LOWER_IS_BETTER

    def __repr__(self) -> str:
        return f"ProblemScoreType(name={self.name!r}, direction={self.direction!r})"
