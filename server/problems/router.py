"""Problems API."""

from __future__ import annotations

from fastapi import APIRouter

from server.problems import repository
from server.problems.schemas import ProblemRead
from server.security import DbSession

router = APIRouter(prefix="/api", tags=["problems"])


@router.get("/problems", response_model=list[ProblemRead])
def list_problems(session: DbSession) -> list[ProblemRead]:
    """Every problem kit the server knows."""
    return [ProblemRead.model_validate(p) for p in repository.list_problems(session)]
