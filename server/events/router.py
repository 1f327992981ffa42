"""Events API: list, read, join."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from server.events import service
from server.events.schemas import EventRead, RegistrationRead
from server.models import Event
from server.security import CurrentUser, DbSession, OptionalUser, verify_csrf
from server.teams import repository as teams_repository

router = APIRouter(prefix="/api", tags=["events"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such event (or not visible to you)"}
}


def event_read(event: Event) -> EventRead:
    return EventRead(
        name=event.name,
        title=event.title,
        description=event.description,
        problem_name=event.problem.name,
        opens_at=event.opens_at,
        public_opens_at=event.public_opens_at,
        closes_at=event.closes_at,
        is_public=event.is_public,
        is_invitation_only=event.is_invitation_only,
        signup_needs_approval=event.signup_needs_approval,
        max_team_size=event.max_team_size,
        min_seconds_between_submissions=event.min_seconds_between_submissions,
        daily_submission_quota=event.daily_submission_quota,
        time_limit_seconds=event.time_limit_seconds,
        official_score_name=service.official_score_name(event),
        workflow_element_names=event.problem.workflow_element_names,
    )


@router.get("/events", response_model=list[EventRead])
def list_events(session: DbSession, user: OptionalUser) -> list[EventRead]:
    """Events you can see: the public ones and those you take part in."""
    return [event_read(e) for e in service.list_events(session=session, user=user)]


@router.get("/events/{event_name}", response_model=EventRead, responses=NOT_FOUND)
def read_event(event_name: str, session: DbSession, user: OptionalUser) -> EventRead:
    """One event's description, calendar and rules."""
    return event_read(service.get_event(session=session, name=event_name, user=user))


@router.post(
    "/events/{event_name}/join",
    response_model=RegistrationRead,
    dependencies=[Depends(verify_csrf)],
    responses={**NOT_FOUND, 401: {"description": "Not signed in"}, 403: {"description": "Closed"}},
)
def join_event(event_name: str, session: DbSession, user: CurrentUser) -> RegistrationRead:
    """Sign up to the event: approved at once, or pending an organiser's approval."""
    event = service.get_event(session=session, name=event_name, user=user)
    registration = service.join_event(session=session, event=event, user=user)
    team = teams_repository.team_of_user(session, event_id=event.id, user_id=user.id)
    return RegistrationRead(status=registration.status, team_name=team.name if team else None)
