"""`event_blends`: the latest blend of an event's scored submissions (one row per event)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, utcnow

if TYPE_CHECKING:
    from server.models.event import Event


class EventBlend(Base):
    __tablename__ = "event_blends"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    # {score_name: value} of the blended predictions.
    combined_valid_scores: Mapped[dict[str, float]] = mapped_column(default=dict)
    combined_test_scores: Mapped[dict[str, float]] = mapped_column(default=dict)
    # Per fold, the best single submission's scores: what the blend is compared against.
    # The shape is the blending code's to choose (e.g. {"valid": [...], "test": [...]}).
    foldwise_best_scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    n_submissions: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship(lazy="raise")
