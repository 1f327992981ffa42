"""Team pages: inviting a participant, answering an invitation, choosing the submission
entered in the competition."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from server.errors import Invalid
from server.events import service as events_service
from server.params import MAX_ROW_ID, RowId
from server.security import CurrentUser, DbSession, optional_user, verify_csrf
from server.teams import service
from server.web import flash, redirect

router = APIRouter(
    dependencies=[Depends(optional_user), Depends(verify_csrf)], include_in_schema=False
)


@router.post("/events/{event_name}/team/invitations")
def invite(
    request: Request,
    event_name: str,
    session: DbSession,
    user: CurrentUser,
    username: Annotated[str, Form()] = "",
) -> Response:
    event = events_service.get_event(session=session, name=event_name, user=user)
    service.invite(session=session, event=event, inviter=user, username=username)
    flash(request, f"Invitation sent to {username.strip()}.")
    return redirect(f"/events/{event.name}")


@router.post("/events/{event_name}/team/invitations/{invitation_id}")
def answer(
    request: Request,
    event_name: str,
    invitation_id: RowId,
    session: DbSession,
    user: CurrentUser,
    decision: Annotated[str, Form()] = "",
) -> Response:
    event = events_service.get_event(session=session, name=event_name, user=user)
    if decision not in ("accept", "decline"):
        raise Invalid("Choose to accept or to decline the invitation.")
    service.answer_invitation(
        session=session,
        event=event,
        invitation_id=invitation_id,
        user=user,
        accept=decision == "accept",
    )
    flash(request, "Welcome to your new team!" if decision == "accept" else "Declined.")
    return redirect(f"/events/{event.name}")


@router.post("/events/{event_name}/team/selected-submission")
def select_submission(
    request: Request,
    event_name: str,
    session: DbSession,
    user: CurrentUser,
    submission_id: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    event = events_service.get_event(session=session, name=event_name, user=user)
    chosen: int | None = None
    if submission_id.strip():
        if not submission_id.strip().isdigit() or not 1 <= int(submission_id) <= MAX_ROW_ID:
            raise Invalid("Choose a submission.")
        chosen = int(submission_id)
    service.select_submission(session=session, event=event, user=user, submission_id=chosen)
    flash(
        request,
        "This submission is your team's competition entry."
        if chosen is not None
        else "Your team's best public submission is its competition entry again.",
    )
    # Only a path on this site: an absolute URL here would make this an open redirect.
    back = next if next.startswith("/") and not next.startswith(("//", "/\\")) else ""
    return redirect(back or f"/events/{event.name}/submissions")
