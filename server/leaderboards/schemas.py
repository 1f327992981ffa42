"""Shapes of the leaderboards API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ColumnRead(BaseModel):
    name: str
    precision: int
    lower_is_better: bool


class RowRead(BaseModel):
    rank: int
    submission_id: int
    submission_name: str
    team_name: str
    submitted_at: datetime
    scores: dict[str, float]
    train_seconds: float | None
    valid_seconds: float | None
    move: int | None
    failure_kind: str | None
    contributivity: float | None = None
    historical_contributivity: float | None = None
    # Competition board: "chosen" by the team, or its "best" public submission.
    entry: str | None = None


class LeaderboardRead(BaseModel):
    event_name: str
    kind: str
    official_score: str
    columns: list[ColumnRead]
    rows: list[RowRead]
    total: int
    page: int
    pages: int
