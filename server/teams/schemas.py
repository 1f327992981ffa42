"""Shapes of the teams API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from server.params import MAX_ROW_ID


class SelectedSubmissionUpdate(BaseModel):
    # None: no choice, the competition board takes the team's best public submission.
    submission_id: int | None = Field(ge=1, le=MAX_ROW_ID)


class SelectedSubmissionRead(BaseModel):
    team_name: str
    # None when the team has not chosen: its best public submission competes.
    submission_id: int | None
    submission_name: str | None
