"""Shapes of the events API and of the organisers' event form."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from server.models import RegistrationStatus


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    title: str
    description: str
    problem_name: str
    opens_at: datetime
    public_opens_at: datetime | None
    closes_at: datetime
    is_public: bool
    is_invitation_only: bool
    signup_needs_approval: bool
    max_team_size: int
    min_seconds_between_submissions: int
    daily_submission_quota: int | None
    time_limit_seconds: int
    official_score_name: str
    workflow_element_names: list[str]


class RegistrationRead(BaseModel):
    status: RegistrationStatus
    team_name: str | None


class EventForm(BaseModel):
    """What an organiser fills in to create or edit an event."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,99}$")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    problem_name: str = Field(min_length=1, max_length=100)
    opens_at: datetime
    public_opens_at: datetime | None = None
    closes_at: datetime
    is_public: bool = True
    is_invitation_only: bool = False
    signup_needs_approval: bool = False
    max_team_size: int = Field(default=1, ge=1, le=100)
    min_seconds_between_submissions: int = Field(default=900, ge=0, le=7 * 24 * 3600)
    daily_submission_quota: int | None = Field(default=None, ge=1, le=10_000)
    time_limit_seconds: int = Field(default=3600, ge=1, le=7 * 24 * 3600)
    official_score_name: str | None = None

    @field_validator("opens_at", "public_opens_at", "closes_at")
    @classmethod
    def _assume_utc(cls, value: datetime | None) -> datetime | None:
        # Browsers' datetime-local inputs carry no zone; the site works in UTC.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> EventForm:
        if self.closes_at < self.opens_at:
            raise ValueError("the event must close after it opens")
        if self.public_opens_at is not None and not (
            self.opens_at <= self.public_opens_at <= self.closes_at
        ):
            raise ValueError("the public (code sharing) phase must start while the event runs")
        return self
