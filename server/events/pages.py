"""Events pages: list, event page, joining, the kit download, organisers' screens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from server.errors import DomainError, Forbidden, Invalid
from server.events import repository, service
from server.events.schemas import EventForm
from server.leaderboards import service as leaderboards_service
from server.models import Event, RegistrationStatus, UserRole, utcnow
from server.params import RowId
from server.problems import repository as problems_repository
from server.security import CurrentUser, DbSession, OptionalUser, optional_user, verify_csrf
from server.teams import repository as teams_repository
from server.web import flash, redirect, render

router = APIRouter(
    dependencies=[Depends(optional_user), Depends(verify_csrf)], include_in_schema=False
)

EVENT_FORM_FIELDS = tuple(EventForm.model_fields)
CHECKBOXES = ("is_public", "is_invitation_only", "signup_needs_approval")


@router.get("/")
def home(request: Request, session: DbSession, user: OptionalUser) -> Response:
    return render(
        request,
        "events/list.html",
        {
            "events": service.list_events(session=session, user=user),
            "phase": service.phase,
        },
    )


@router.get("/events")
def list_events(request: Request, session: DbSession, user: OptionalUser) -> Response:
    return home(request, session, user)


@router.get("/events/{event_name}")
def event_page(
    request: Request, event_name: str, session: DbSession, user: OptionalUser
) -> Response:
    event = service.get_event(session=session, name=event_name, user=user)
    registration = team = None
    members: list[Any] = []
    invitations: list[Any] = []
    if user is not None:
        registration = repository.registration(session, event_id=event.id, user_id=user.id)
        team = teams_repository.team_of_user(session, event_id=event.id, user_id=user.id)
        members = teams_repository.members(session, team_id=team.id) if team else []
        invitations = teams_repository.pending_invitations_for(
            session, event_id=event.id, user_id=user.id
        )
    leaderboard = leaderboards_service.build_leaderboard(
        session=session,
        event=event,
        user=user,
        kind="public",
        limit=10,
        cache_seconds=request.app.state.leaderboard_cache_seconds,
    )
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "phase": service.phase(event),
            "registration": registration,
            "team": team,
            "members": members,
            "invitations": invitations,
            "can_manage": service.can_manage(session=session, event=event, user=user),
            "official_score": service.official_score_name(event),
            "leaderboard": leaderboard,
        },
    )


@router.post("/events/{event_name}/join")
def join(request: Request, event_name: str, session: DbSession, user: CurrentUser) -> Response:
    event = service.get_event(session=session, name=event_name, user=user)
    registration = service.join_event(session=session, event=event, user=user)
    if registration.status is RegistrationStatus.APPROVED:
        flash(request, "You are in! Open the sandbox to make your first submission.")
        return redirect(f"/events/{event.name}/sandbox")
    flash(request, "Your sign-up is waiting for an organiser's approval.")
    return redirect(f"/events/{event.name}")


@router.get("/events/{event_name}/starting-kit.zip")
def starting_kit(event_name: str, session: DbSession, user: OptionalUser) -> Response:
    event = service.get_event(session=session, name=event_name, user=user)
    return Response(
        service.starting_kit_archive(event),
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{event.name}-starting-kit.zip"'},
    )


# ----- organisers --------------------------------------------------------------------


def _form_values(event: Event | None) -> dict[str, Any]:
    if event is None:
        now = utcnow().replace(second=0, microsecond=0)
        return {
            "opens_at": now,
            "closes_at": now.replace(year=now.year + 1),
            "is_public": True,
            "max_team_size": 1,
            "min_seconds_between_submissions": 900,
            "time_limit_seconds": 3600,
        }
    values = {field: getattr(event, field, None) for field in EVENT_FORM_FIELDS}
    values["problem_name"] = event.problem.name
    return values


async def _form_input(request: Request) -> dict[str, Any]:
    raw = await request.form()
    values: dict[str, Any] = {
        key: value for key, value in raw.items() if key in EVENT_FORM_FIELDS and value != ""
    }
    for box in CHECKBOXES:
        values[box] = box in raw
    return values


def _refusal(error: ValidationError | DomainError) -> dict[str, Any]:
    """The form's error message and status, for an invalid form or a refused rule."""
    if isinstance(error, DomainError):
        return {"error": error.message, "status_code": error.status_code}
    problems = "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'form'}: {item['msg']}"
        for item in error.errors()
    )
    return {"error": problems, "status_code": 422}


def _render_form(request: Request, session: DbSession, **context: Any) -> Response:
    status_code = context.pop("status_code", 200)
    return render(
        request,
        "events/form.html",
        {
            "problems": problems_repository.list_problems(session),
            **context,
        },
        status_code=status_code,
    )


@router.get("/new-event")
def new_event_form(request: Request, session: DbSession, user: CurrentUser) -> Response:
    if user.role not in (UserRole.ADMIN, UserRole.ORGANISER):
        raise Forbidden("Only organisers can create events.")
    return _render_form(request, session, event=None, values=_form_values(None))


@router.post("/new-event")
async def create_event(request: Request, session: DbSession, user: CurrentUser) -> Response:
    values = await _form_input(request)
    try:
        form = EventForm.model_validate(values)
        event = service.create_event(session=session, form=form, created_by=user)
    except (ValidationError, DomainError) as error:
        return _render_form(request, session, event=None, values=values, **_refusal(error))
    flash(request, f"Event {event.title} created.")
    return redirect(f"/events/{event.name}/manage")


@router.get("/events/{event_name}/edit")
def edit_event_form(
    request: Request, event_name: str, session: DbSession, user: CurrentUser
) -> Response:
    event = service.get_managed_event(session=session, name=event_name, user=user)
    return _render_form(request, session, event=event, values=_form_values(event))


@router.post("/events/{event_name}/edit")
async def edit_event(
    request: Request, event_name: str, session: DbSession, user: CurrentUser
) -> Response:
    event = service.get_managed_event(session=session, name=event_name, user=user)
    values = await _form_input(request)
    try:
        form = EventForm.model_validate({**values, "name": event.name})
        service.update_event(session=session, event=event, form=form)
    except (ValidationError, DomainError) as error:
        return _render_form(request, session, event=event, values=values, **_refusal(error))
    flash(request, "Event saved.")
    return redirect(f"/events/{event.name}/manage")


@router.post("/events/{event_name}/registrations/{registration_id}")
def decide_registration(
    request: Request,
    event_name: str,
    registration_id: RowId,
    session: DbSession,
    user: CurrentUser,
    decision: Annotated[str, Form()] = "",
) -> Response:
    event = service.get_managed_event(session=session, name=event_name, user=user)
    if decision not in ("approve", "reject"):
        raise Invalid("Choose to approve or to reject the sign-up.")
    registration = service.decide_registration(
        session=session,
        event=event,
        registration_id=registration_id,
        approve=decision == "approve",
        decided_by=user,
    )
    flash(request, f"Sign-up {registration.status.value}.")
    return redirect(f"/events/{event.name}/manage")


@router.post("/events/{event_name}/participants")
def add_participant(
    request: Request,
    event_name: str,
    session: DbSession,
    user: CurrentUser,
    username: Annotated[str, Form()] = "",
) -> Response:
    event = service.get_managed_event(session=session, name=event_name, user=user)
    participant = service.add_participant(
        session=session, event=event, username=username, added_by=user
    )
    flash(request, f"{participant.username} takes part in {event.title}.")
    return redirect(f"/events/{event.name}/manage")


@router.post("/events/{event_name}/organisers")
def add_organiser(
    request: Request,
    event_name: str,
    session: DbSession,
    user: CurrentUser,
    username: Annotated[str, Form()] = "",
) -> Response:
    event = service.get_managed_event(session=session, name=event_name, user=user)
    organiser = service.add_organiser(session=session, event=event, username=username)
    flash(request, f"{organiser.username} now organises {event.title}.")
    return redirect(f"/events/{event.name}/manage")
