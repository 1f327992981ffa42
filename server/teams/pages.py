"""Team pages: inviting a participant, answering an invitation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from server.errors import Invalid
from server.events import service as events_service
from server.params import RowId
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
