"""Shapes of the problems API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from server.models import ProblemState, ScoreDirection


class ScoreTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    direction: ScoreDirection
    display_precision: int


class ProblemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    title: str
    state: ProblemState
    workflow_element_names: list[str]
    score_types: list[ScoreTypeRead]
