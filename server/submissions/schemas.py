"""Shapes of the submissions API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from server.models import FailureKind, SubmissionState


class SubmissionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["my_forest"])
    # {file name: source code}, e.g. {"estimator.py": "..."}.
    files: dict[str, str] = Field(min_length=1, max_length=100)


class FoldRead(BaseModel):
    fold_index: int
    train_scores: dict[str, float]
    valid_scores: dict[str, float]
    # Empty until the private scores are revealed to you.
    test_scores: dict[str, float]
    train_seconds: float | None
    valid_seconds: float | None
    test_seconds: float | None


class SubmissionRead(BaseModel):
    id: int
    event_name: str
    team_name: str
    name: str
    state: SubmissionState
    queue_position: int | None
    failure_kind: FailureKind | None
    # Only for the team and the organisers.
    failure_log: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    valid_scores: dict[str, float]
    test_scores: dict[str, float]
    folds: list[FoldRead]
    # Left out of the event's blend (and so of contributivity) by an organiser.
    is_excluded: bool
    url: str


class ExclusionUpdate(BaseModel):
    excluded: bool


class SubmissionSummary(BaseModel):
    id: int
    name: str
    state: SubmissionState
    created_at: datetime
    valid_scores: dict[str, float]
