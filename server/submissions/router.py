"""Submissions API: submit, list yours, follow one, cancel; organisers exclude from the
blend."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from server.events import service as events_service
from server.models import ScoreStep
from server.params import RowId
from server.security import AppSettings, CurrentUser, DbSession, verify_csrf
from server.submissions import repository, service
from server.submissions.presenters import bagged, submission_read
from server.submissions.schemas import (
    ExclusionUpdate,
    SubmissionCreate,
    SubmissionRead,
    SubmissionSummary,
)

router = APIRouter(prefix="/api", tags=["submissions"])

AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    404: {"description": "Not found"},
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    **AUTH,
    403: {"description": "Not registered, or the event is closed"},
    409: {"description": "Name taken, or identical code"},
    413: {"description": "Too large"},
    422: {"description": "Bad files"},
    425: {"description": "Too early"},
    429: {"description": "Daily quota used"},
}


@router.get(
    "/events/{event_name}/submissions", response_model=list[SubmissionSummary], responses=AUTH
)
def my_submissions(
    event_name: str, session: DbSession, user: CurrentUser
) -> list[SubmissionSummary]:
    """Your team's submissions to the event, newest first."""
    event = events_service.get_event(session=session, name=event_name, user=user)
    team = service.submitting_team(session=session, event=event, user=user)
    return [
        SubmissionSummary(
            id=s.id,
            name=s.name,
            state=s.state,
            created_at=s.created_at,
            valid_scores=bagged(s, ScoreStep.VALID),
        )
        for s in repository.of_team(session, team_id=team.id)
    ]


@router.post(
    "/events/{event_name}/submissions",
    response_model=SubmissionRead,
    status_code=201,
    dependencies=[Depends(verify_csrf)],
    responses=REFUSALS,
)
def create_submission(
    event_name: str,
    body: SubmissionCreate,
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
) -> SubmissionRead:
    """Submit code (one entry per file); it is queued for scoring."""
    event = events_service.get_event(session=session, name=event_name, user=user)
    submission = service.submit(
        session=session,
        settings=settings,
        queue=request.app.state.task_queue,
        event=event,
        user=user,
        name=body.name,
        files=[(name, content.encode()) for name, content in body.files.items()],
    )
    loaded, seen = service.get_submission(session=session, submission_id=submission.id, user=user)
    return submission_read(session, loaded, seen)


@router.get("/submissions/{submission_id}", response_model=SubmissionRead, responses=AUTH)
def read_submission(submission_id: RowId, session: DbSession, user: CurrentUser) -> SubmissionRead:
    """A submission's state, position in the queue, scores and (for its team) log."""
    submission, seen = service.get_submission(
        session=session, submission_id=submission_id, user=user
    )
    return submission_read(session, submission, seen)


@router.post(
    "/submissions/{submission_id}/cancel",
    response_model=SubmissionRead,
    dependencies=[Depends(verify_csrf)],
    responses={**AUTH, 409: {"description": "Already finished"}},
)
def cancel_submission(
    submission_id: RowId, request: Request, session: DbSession, user: CurrentUser
) -> SubmissionRead:
    """Cancel a queued or running submission."""
    submission, seen = service.get_submission(
        session=session, submission_id=submission_id, user=user
    )
    service.cancel(
        session=session, queue=request.app.state.task_queue, submission=submission, seen=seen
    )
    return submission_read(session, submission, seen)


@router.put(
    "/submissions/{submission_id}/exclusion",
    response_model=SubmissionRead,
    dependencies=[Depends(verify_csrf)],
    responses={**AUTH, 403: {"description": "Not an organiser of the event"}},
)
def set_exclusion(
    submission_id: RowId,
    body: ExclusionUpdate,
    request: Request,
    session: DbSession,
    user: CurrentUser,
) -> SubmissionRead:
    """Organisers: exclude the submission from the event's blend, or include it again; the
    event is blended again."""
    submission, seen = service.get_submission(
        session=session, submission_id=submission_id, user=user
    )
    service.set_excluded(
        session=session,
        queue=request.app.state.task_queue,
        submission=submission,
        seen=seen,
        excluded=body.excluded,
    )
    return submission_read(session, submission, seen)
