"""Shapes of the contributivity API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from server.models import CodeAccessKind


class ContributivityRow(BaseModel):
    submission_id: int
    submission_name: str
    team_name: str
    submitted_at: datetime
    # Fractions of 1: they add up to 1 over the blended submissions.
    contributivity: float
    historical_contributivity: float
    valid_score: float | None


class BlendScores(BaseModel):
    # {score name: value}; `test` is empty until the private scores are revealed to you.
    valid: dict[str, float]
    test: dict[str, float]


class ContributivityRead(BaseModel):
    event_name: str
    official_score: str
    lower_is_better: bool
    n_blended: int
    computed_at: datetime | None
    combined: BlendScores
    foldwise_best: BlendScores
    rows: list[ContributivityRow]


class CreditSourceRead(BaseModel):
    submission_id: int
    submission_name: str
    team_name: str
    kind: CodeAccessKind
    points: float


class CreditRead(BaseModel):
    submission_id: int
    own_points: float
    sources: list[CreditSourceRead]
    saved: bool


class CreditUpdate(BaseModel):
    """A split of 100 points between your own work and the sources you built on."""

    own: float = Field(examples=[60])
    # {source submission id: points}; sources left out get 0.
    sources: dict[int, float] = Field(default_factory=dict, examples=[{"12": 40}])
