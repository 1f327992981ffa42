"""Contributivity pages: the event's blend, and the credit form of a submission."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from server.contributivity import service
from server.credit.service import TOTAL_POINTS
from server.errors import DomainError, Invalid
from server.events import service as events_service
from server.security import CurrentUser, DbSession, OptionalUser, optional_user, verify_csrf
from server.web import flash, redirect, render

router = APIRouter(
    dependencies=[Depends(optional_user), Depends(verify_csrf)], include_in_schema=False
)

OWN_FIELD = "own"
SOURCE_FIELD_PREFIX = "source-"


@router.get("/events/{event_name}/contributivity")
def contributivity_page(
    request: Request, event_name: str, session: DbSession, user: OptionalUser
) -> Response:
    event = events_service.get_event(session=session, name=event_name, user=user)
    board = service.contributivity_board(session=session, event=event, user=user)
    return render(request, "contributivity/event.html", {"event": event, "board": board})


def _render_form(
    request: Request,
    form: service.CreditForm,
    values: dict[str, Any],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "contributivity/credit.html",
        {
            "form": form,
            "submission": form.submission,
            "event": form.submission.event,
            "values": values,
            "own_field": OWN_FIELD,
            "source_prefix": SOURCE_FIELD_PREFIX,
            "total_points": TOTAL_POINTS,
            "error": error,
        },
        status_code=status_code,
    )


def _display(points: float) -> str:
    return f"{points:g}"


@router.get("/submissions/{submission_id}/credit")
def credit_page(
    request: Request, submission_id: int, session: DbSession, user: CurrentUser
) -> Response:
    submission = service.get_own_submission(session=session, submission_id=submission_id, user=user)
    form = service.credit_form(session=session, submission=submission)
    values = {
        OWN_FIELD: _display(form.points.get(service.OWN_WORK, 0.0)),
        **{
            f"{SOURCE_FIELD_PREFIX}{s.submission_id}": _display(form.points[s.submission_id])
            for s in form.sources
        },
    }
    return _render_form(request, form, values)


@router.post("/submissions/{submission_id}/credit")
async def save_credit(
    request: Request, submission_id: int, session: DbSession, user: CurrentUser
) -> Response:
    submission = service.get_own_submission(session=session, submission_id=submission_id, user=user)
    posted = await request.form()
    values = {
        key: str(value)
        for key, value in posted.items()
        if key == OWN_FIELD or key.startswith(SOURCE_FIELD_PREFIX)
    }
    raw: dict[int | None, str | float | None] = {service.OWN_WORK: values.get(OWN_FIELD)}
    try:
        for key, value in values.items():
            if key.startswith(SOURCE_FIELD_PREFIX):
                source = key.removeprefix(SOURCE_FIELD_PREFIX)
                if not source.isdigit():
                    raise Invalid(f"{key!r} is not a submission of this event.")
                raw[int(source)] = value
        points = service.parse_points(raw)
        service.save_credit(session=session, submission=submission, points=points)
    except DomainError as error:
        # Nothing was written (checks come first): show the form again with what they
        # typed, and why it was refused.
        form = service.credit_form(session=session, submission=submission)
        return _render_form(
            request, form, values, error=error.message, status_code=error.status_code
        )
    flash(request, f"Credit for {submission.name} saved.")
    return redirect(f"/events/{submission.event.name}/contributivity")
