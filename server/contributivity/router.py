"""Contributivity API: the event's blend, and a submission's credit split."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from server.contributivity import service
from server.contributivity.schemas import (
    BlendScores,
    ContributivityRead,
    ContributivityRow,
    CreditRead,
    CreditSourceRead,
    CreditUpdate,
)
from server.events import service as events_service
from server.security import CurrentUser, DbSession, OptionalUser, verify_csrf

router = APIRouter(prefix="/api/events/{event_name}/contributivity", tags=["contributivity"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such event or submission (or not visible to you)"}
}
CREDIT_REFUSALS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    401: {"description": "Not signed in"},
    403: {"description": "Not your team's submission"},
}


@router.get("", response_model=ContributivityRead, responses=NOT_FOUND)
def read_contributivity(
    event_name: str, session: DbSession, user: OptionalUser
) -> ContributivityRead:
    """Each scored submission's contributivity and historical contributivity, and the
    blend's combined and foldwise-best scores (test scores once revealed to you)."""
    event = events_service.get_event(session=session, name=event_name, user=user)
    board = service.contributivity_board(session=session, event=event, user=user)
    return ContributivityRead(
        event_name=board.event_name,
        official_score=board.official_score,
        lower_is_better=board.lower_is_better,
        n_blended=board.n_blended,
        computed_at=board.computed_at,
        combined=BlendScores(valid=board.combined_valid, test=board.combined_test),
        foldwise_best=BlendScores(valid=board.foldwise_best_valid, test=board.foldwise_best_test),
        rows=[ContributivityRow(**vars(row)) for row in board.rows],
    )


def _credit_read(form: service.CreditForm) -> CreditRead:
    return CreditRead(
        submission_id=form.submission.id,
        own_points=form.points.get(service.OWN_WORK, 0.0),
        sources=[
            CreditSourceRead(
                submission_id=source.submission_id,
                submission_name=source.submission_name,
                team_name=source.team_name,
                kind=source.kind,
                points=form.points.get(source.submission_id, 0.0),
            )
            for source in form.sources
        ],
        saved=form.saved,
    )


@router.get("/credits/{submission_id}", response_model=CreditRead, responses=CREDIT_REFUSALS)
def read_credit(
    event_name: str, submission_id: int, session: DbSession, user: CurrentUser
) -> CreditRead:
    """Your submission's credit split: saved, or pre-filled from what your team imported."""
    event = events_service.get_event(session=session, name=event_name, user=user)
    submission = service.get_own_submission(session=session, submission_id=submission_id, user=user)
    service.check_in_event(event=event, submission=submission)
    return _credit_read(service.credit_form(session=session, submission=submission))


@router.put(
    "/credits/{submission_id}",
    response_model=CreditRead,
    responses={**CREDIT_REFUSALS, 422: {"description": "Not a split of 100 points"}},
    dependencies=[Depends(verify_csrf)],
)
def update_credit(
    event_name: str, submission_id: int, body: CreditUpdate, session: DbSession, user: CurrentUser
) -> CreditRead:
    """Save a split of 100 points between your own work and the sources you built on."""
    event = events_service.get_event(session=session, name=event_name, user=user)
    submission = service.get_own_submission(session=session, submission_id=submission_id, user=user)
    service.check_in_event(event=event, submission=submission)
    raw: dict[int | None, float | str | None] = {service.OWN_WORK: body.own}
    for source, value in body.sources.items():
        raw[source] = value
    points = service.parse_points(raw)
    service.save_credit(session=session, submission=submission, points=points)
    return _credit_read(service.credit_form(session=session, submission=submission))
