"""Problems pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.problems import repository
from server.security import DbSession, OptionalUser
from server.web import render

router = APIRouter(include_in_schema=False)


@router.get("/problems")
def list_problems(request: Request, session: DbSession, user: OptionalUser) -> Response:
    return render(request, "problems/list.html", {"problems": repository.list_problems(session)})
