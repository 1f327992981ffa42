"""Submissions pages: the sandbox (editors and uploads), my submissions, one submission."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from server.contributivity import service as contributivity_service
from server.errors import DomainError, Forbidden
from server.events import service as events_service
from server.models import CodeAccessKind, Event, User
from server.params import MAX_ROW_ID, RowId
from server.security import AppSettings, CurrentUser, DbSession, optional_user, verify_csrf
from server.submissions import repository, service
from server.submissions.presenters import submission_read
from server.teams import repository as teams_repository
from server.web import flash, redirect, render

router = APIRouter(
    dependencies=[Depends(optional_user), Depends(verify_csrf)], include_in_schema=False
)

EDITOR_FIELD_PREFIX = "file:"


def _render_sandbox(
    request: Request,
    event: Event,
    files: dict[str, str],
    *,
    name: str = "",
    error: str | None = None,
    status_code: int = 200,
    imported: str | None = None,
) -> Response:
    return render(
        request,
        "submissions/sandbox.html",
        {
            "event": event,
            "files": files,
            "name": name,
            "error": error,
            "imported": imported,
            "phase": events_service.phase(event),
        },
        status_code=status_code,
    )


@router.get("/events/{event_name}/sandbox")
def sandbox(
    request: Request,
    event_name: str,
    session: DbSession,
    user: CurrentUser,
    import_from: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    event = events_service.get_event(session=session, name=event_name, user=user)
    try:
        team = service.submitting_team(session=session, event=event, user=user)
    except Forbidden as error:
        flash(request, error.message, "error")
        return redirect(f"/events/{event.name}")
    source = None
    if import_from is not None:
        source = service.get_event_submission_for_import(
            session=session, event=event, submission_id=import_from, user=user
        )
    files = service.sandbox_files(session=session, event=event, team=team, import_from=source)
    return _render_sandbox(request, event, files, imported=source.name if source else None)


async def _submitted_files(request: Request) -> tuple[str, dict[str, str], list[tuple[str, bytes]]]:
    """(name, editor texts to show back, files to submit); uploads replace editor files."""
    form = await request.form()
    name = str(form.get("name", ""))
    editors = {
        key.removeprefix(EDITOR_FIELD_PREFIX): str(value)
        for key, value in form.multi_items()
        if key.startswith(EDITOR_FIELD_PREFIX) and isinstance(value, str)
    }
    uploads: list[tuple[str, bytes]] = []
    for value in form.getlist("uploads"):
        if isinstance(value, UploadFile) and value.filename:
            uploads.append((value.filename, await value.read()))
    uploaded_names = {upload_name for upload_name, _ in uploads}
    files = uploads + [
        (file_name, text.replace("\r\n", "\n").encode())
        for file_name, text in editors.items()
        if file_name not in uploaded_names
    ]
    return name, editors, files


@router.post("/events/{event_name}/sandbox")
async def submit(
    request: Request,
    event_name: str,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
) -> Response:
    event = events_service.get_event(session=session, name=event_name, user=user)
    name, editors, files = await _submitted_files(request)
    try:
        submission = service.submit(
            session=session,
            settings=settings,
            queue=request.app.state.task_queue,
            event=event,
            user=user,
            name=name,
            files=files,
        )
    except DomainError as error:
        # The editors keep what the student wrote; nothing they typed is lost.
        return _render_sandbox(
            request,
            event,
            editors,
            name=name,
            error=error.message,
            status_code=error.status_code,
        )
    flash(request, f"Submission {submission.name} is queued for scoring.")
    if contributivity_service.credit_sources(session=session, submission=submission):
        # They looked at others' code first: ask whom this submission builds on.
        return redirect(f"/submissions/{submission.id}/credit")
    return redirect(f"/submissions/{submission.id}")


@router.get("/events/{event_name}/submissions")
def my_submissions(
    request: Request, event_name: str, session: DbSession, user: CurrentUser
) -> Response:
    event = events_service.get_event(session=session, name=event_name, user=user)
    team = teams_repository.team_of_user(session, event_id=event.id, user_id=user.id)
    submissions = repository.of_team(session, team_id=team.id) if team else []
    return render(
        request,
        "submissions/list.html",
        {
            "event": event,
            "team": team,
            "submissions": submissions,
            "official_score": events_service.official_score_name(event),
            "can_choose": team is not None and events_service.phase(event) != "closed",
        },
    )


@router.get("/submissions/{submission_id}")
def submission_page(
    request: Request, submission_id: RowId, session: DbSession, user: CurrentUser
) -> Response:
    submission, seen = service.get_submission(
        session=session, submission_id=submission_id, user=user
    )
    return render(
        request,
        "submissions/detail.html",
        {
            "submission": submission,
            "event": submission.event,
            "seen": seen,
            "data": submission_read(session, submission, seen),
            "score_types": _score_types(submission.event),
            "show_code": True,
            "can_choose": seen.access == "team"
            and events_service.phase(submission.event) != "closed",
        },
    )


def _score_types(event: Event) -> list[Any]:
    return list(event.problem.score_types)


@router.get("/submissions/{submission_id}/code")
def submission_code(
    request: Request, submission_id: RowId, session: DbSession, user: CurrentUser
) -> Response:
    submission, seen = service.get_submission(
        session=session, submission_id=submission_id, user=user
    )
    if seen.access == "shared":
        service.record_code_access(
            session=session, submission=submission, user=user, kind=CodeAccessKind.VIEW
        )
    return render(request, "submissions/code.html", {"submission": submission, "seen": seen})


def _act(
    request: Request, submission_id: int, session: DbSession, user: User, action: str
) -> Response:
    submission, seen = service.get_submission(
        session=session, submission_id=submission_id, user=user
    )
    queue = request.app.state.task_queue
    if action == "cancel":
        service.cancel(session=session, queue=queue, submission=submission, seen=seen)
        flash(request, f"Submission {submission.name} cancelled.")
    elif action in ("exclude", "include"):
        excluded = action == "exclude"
        service.set_excluded(
            session=session, queue=queue, submission=submission, seen=seen, excluded=excluded
        )
        flash(
            request,
            f"Submission {submission.name} "
            f"{'excluded from' if excluded else 'included again in'} the blend; "
            "the event will be blended again.",
        )
    else:
        service.rerun(session=session, queue=queue, submission=submission, seen=seen)
        flash(request, f"Submission {submission.name} queued again.")
    return redirect(f"/submissions/{submission.id}")


@router.post("/submissions/{submission_id}/cancel")
def cancel(
    request: Request, submission_id: RowId, session: DbSession, user: CurrentUser
) -> Response:
    return _act(request, submission_id, session, user, "cancel")


@router.post("/submissions/{submission_id}/rerun")
def rerun(
    request: Request, submission_id: RowId, session: DbSession, user: CurrentUser
) -> Response:
    return _act(request, submission_id, session, user, "rerun")


@router.post("/submissions/{submission_id}/exclude")
def exclude(
    request: Request, submission_id: RowId, session: DbSession, user: CurrentUser
) -> Response:
    return _act(request, submission_id, session, user, "exclude")


@router.post("/submissions/{submission_id}/include")
def include(
    request: Request, submission_id: RowId, session: DbSession, user: CurrentUser
) -> Response:
    return _act(request, submission_id, session, user, "include")
