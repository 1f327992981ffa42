"""Queries on problems."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Problem


def list_problems(session: Session) -> list[Problem]:
    return list(session.scalars(select(Problem).order_by(Problem.title)))


def find_by_name(session: Session, name: str) -> Problem | None:
    return session.scalar(select(Problem).where(Problem.name == name))
