"""`problems`: a problem kit on disk, its workflow and the state of its validation."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin, enum_column_type

if TYPE_CHECKING:
    from server.models.event import Event
    from server.models.problem_score_type import ProblemScoreType


class ProblemState(enum.StrEnum):
    VALIDATING = "validating"
    READY = "ready"
    BROKEN = "broken"


class Problem(TimestampMixin, Base):
    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # Absolute path of the kit folder (the one holding problem.py) on the workers' disk.
    kit_path: Mapped[str] = mapped_column(String(1024))
    # The files a submission must provide, e.g. ["estimator"] -> estimator.py.
    workflow_element_names: Mapped[list[str]] = mapped_column(default=list)
    state: Mapped[ProblemState] = mapped_column(
        enum_column_type(ProblemState, "problem_state"), default=ProblemState.VALIDATING
    )
    validation_log: Mapped[str] = mapped_column(Text, default="")

    # Small and needed wherever a problem is shown or scored, hence always loaded.
    score_types: Mapped[list[ProblemScoreType]] = relationship(
        back_populates="problem",
        lazy="selectin",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ProblemScoreType.position",
    )
    events: Mapped[list[Event]] = relationship(back_populates="problem", lazy="raise")

    @property
    def official_score_type(self) -> ProblemScoreType | None:
        """The kit's first score type, the official one unless an event says otherwise."""
        return self.score_types[0] if self.score_types else None

    def __repr__(self) -> str:
        return f"Problem(id={self.id!r}, name={self.name!r}, state={self.state!r})"
