"""Administration pages (users, roles, problem kits) and the organisers' event console."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response

from server.accounts import repository as accounts_repository
from server.accounts import service as accounts_service
from server.admin import service
from server.errors import DomainError, Forbidden, Invalid
from server.events import repository as events_repository
from server.events import service as events_service
from server.models import RegistrationStatus, UserRole
from server.params import RowId
from server.problems import repository as problems_repository
from server.problems import service as problems_service
from server.security import (
    AdminUser,
    AppSettings,
    CurrentUser,
    DbSession,
    optional_user,
    verify_csrf,
)
from server.submissions import repository as submissions_repository
from server.web import flash, redirect, render

router = APIRouter(
    dependencies=[Depends(optional_user), Depends(verify_csrf)], include_in_schema=False
)


@router.get("/admin/users")
def users(request: Request, session: DbSession, admin: AdminUser) -> Response:
    return render(
        request,
        "admin/users.html",
        {
            "users": accounts_repository.list_users(session),
            "roles": list(UserRole),
        },
    )


@router.post("/admin/users/{user_id}/role")
def set_role(
    request: Request,
    user_id: RowId,
    session: DbSession,
    admin: AdminUser,
    role: Annotated[UserRole, Form()],
) -> Response:
    user = service.get_user(session=session, user_id=user_id)
    if user.id == admin.id and role is not UserRole.ADMIN:
        raise Forbidden("You cannot remove your own administrator role.")
    accounts_service.set_role(session=session, user=user, role=role)
    flash(request, f"{user.username} is now {role.value}.")
    return redirect("/admin/users")


def _problems_page(request: Request, session: DbSession, **context: object) -> Response:
    status_code = int(context.pop("status_code", 200))  # type: ignore[call-overload]
    return render(
        request,
        "admin/problems.html",
        {
            "problems": problems_repository.list_problems(session),
            **context,
        },
        status_code=status_code,
    )


@router.get("/admin/problems")
def problems(request: Request, session: DbSession, admin: AdminUser) -> Response:
    return _problems_page(request, session)


@router.post("/admin/problems")
async def add_problem(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    admin: AdminUser,
    name: Annotated[str, Form()],
    folder: Annotated[str, Form()] = "",
    archive: UploadFile | None = None,
) -> Response:
    try:
        if archive is not None and archive.filename:
            data = await archive.read(256 * 1024**2 + 1)
            problem = problems_service.add_problem_from_archive(
                session=session, settings=settings, name=name.strip(), data=data
            )
        elif folder.strip():
            problem = problems_service.add_problem_from_folder(
                session=session, name=name.strip(), kit_path=Path(folder.strip())
            )
        else:
            raise Invalid("Give a kit folder on the server or upload a zip.")
    except DomainError as error:
        return _problems_page(request, session, error=error.message, status_code=error.status_code)
    flash(request, f"Problem {problem.title} added.")
    return redirect("/admin/problems")


@router.get("/events/{event_name}/manage")
def manage_event(
    request: Request, event_name: str, session: DbSession, user: CurrentUser
) -> Response:
    event = events_service.get_managed_event(session=session, name=event_name, user=user)
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "pending": events_repository.registrations(
                session, event_id=event.id, status=RegistrationStatus.PENDING
            ),
            "registrations": events_repository.registrations(session, event_id=event.id),
            "submissions": submissions_repository.of_event(session, event_id=event.id),
        },
    )
