"""Administration: first-start bootstrap (kits, events, admin account) and user roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.accounts import service as accounts_service
from server.errors import NotFound
from server.events import repository as events_repository
from server.events import service as events_service
from server.events.schemas import EventForm
from server.models import Problem, User, UserRole, utcnow
from server.problems import repository as problems_repository
from server.problems import service as problems_service

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_KITS = ("iris", "titanic")
ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class BootstrapResult:
    problems: list[str]
    events: list[str]
    # The generated admin password, when the admin account was created just now.
    admin_password: str | None


def bootstrap(*, session: Session, admin_email: str = "admin@ramplab.localhost") -> BootstrapResult:
    """On first start: an admin, the bundled kits, and an open event for each.

    Idempotent: what already exists is left alone, so every start may call it.
    """
    admin_password = None
    admin = session.scalar(select(User).where(User.role == UserRole.ADMIN).limit(1))
    if admin is None:
        admin_password = secrets.token_urlsafe(12)
        admin = accounts_service.create_user(
            session=session,
            username=ADMIN_USERNAME,
            email=admin_email,
            password=admin_password,
            role=UserRole.ADMIN,
        )
    problems, events = [], []
    for name in BUNDLED_KITS:
        if problems_repository.find_by_name(session, name) is None:
            problems_service.add_problem_from_folder(
                session=session, name=name, kit_path=PROJECT_ROOT / "problems" / name
            )
            problems.append(name)
        if events_repository.find_by_name(session, name) is None:
            problem = problems_repository.find_by_name(session, name)
            assert problem is not None
            now = utcnow().replace(microsecond=0)
            events_service.create_event(
                session=session,
                created_by=admin,
                form=EventForm(
                    name=name,
                    title=f"{problem.title} (open event)",
                    description=f"An open practice event on {problem.title}.",
                    problem_name=name,
                    opens_at=now,
                    public_opens_at=now + timedelta(days=30),
                    closes_at=now + timedelta(days=365),
                    min_seconds_between_submissions=30,
                ),
            )
            events.append(name)
    return BootstrapResult(problems=problems, events=events, admin_password=admin_password)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def problem_names(session: Session) -> list[str]:
    return list(session.scalars(select(Problem.name).order_by(Problem.name)))
