"""Teams API: the submission your team enters in the competition."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from server.errors import Forbidden
from server.events import service as events_service
from server.models import Submission, Team
from server.security import CurrentUser, DbSession, verify_csrf
from server.teams import repository, service
from server.teams.schemas import SelectedSubmissionRead, SelectedSubmissionUpdate

router = APIRouter(prefix="/api", tags=["teams"])

SELECTION_PATH = "/events/{event_name}/teams/mine/selected-submission"
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "No team in the event, another team's submission, or closed"},
    404: {"description": "No such event or submission"},
    409: {"description": "The submission is not scored"},
}


def _read(session: Session, team: Team) -> SelectedSubmissionRead:
    chosen = (
        session.get(Submission, team.selected_submission_id)
        if team.selected_submission_id is not None
        else None
    )
    return SelectedSubmissionRead(
        team_name=team.name,
        submission_id=chosen.id if chosen else None,
        submission_name=chosen.name if chosen else None,
    )


@router.get(SELECTION_PATH, response_model=SelectedSubmissionRead, responses=RESPONSES)
def read_selected_submission(
    event_name: str, session: DbSession, user: CurrentUser
) -> SelectedSubmissionRead:
    """The submission your team entered in the competition (none: its best public one)."""
    event = events_service.get_event(session=session, name=event_name, user=user)
    team = repository.team_of_user(session, event_id=event.id, user_id=user.id)
    if team is None:
        raise Forbidden("You have no team in this event.")
    return _read(session, team)


@router.put(
    SELECTION_PATH,
    response_model=SelectedSubmissionRead,
    dependencies=[Depends(verify_csrf)],
    responses=RESPONSES,
)
def select_submission(
    event_name: str, body: SelectedSubmissionUpdate, session: DbSession, user: CurrentUser
) -> SelectedSubmissionRead:
    """Enter one of your team's scored submissions in the competition, until the event
    closes; `null` goes back to your best public submission."""
    event = events_service.get_event(session=session, name=event_name, user=user)
    team = service.select_submission(
        session=session, event=event, user=user, submission_id=body.submission_id
    )
    return _read(session, team)
