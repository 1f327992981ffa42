"""`ramplab admin`: create a user, add a problem kit, create an event (on this machine's
database, no server needed)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    user = actions.add_parser("create-user", help="create an account")
    user.add_argument("username")
    user.add_argument("email")
    user.add_argument(
        "--role", choices=("participant", "organiser", "admin"), default="participant"
    )
    user.add_argument("--password", help="default: asked on the terminal")
    problem = actions.add_parser("add-problem", help="validate and add a kit folder")
    problem.add_argument("name")
    problem.add_argument("folder", type=Path)
    event = actions.add_parser("create-event", help="create an event on a problem")
    event.add_argument("name")
    event.add_argument("problem")
    event.add_argument("--title")
    event.add_argument("--opens", type=datetime.fromisoformat, default=None)
    event.add_argument("--closes", type=datetime.fromisoformat, required=True)
    event.add_argument("--public-opens", type=datetime.fromisoformat, default=None)
    event.add_argument("--organiser", default="admin", help="username of its organiser")
    event.add_argument("--min-seconds-between", type=int, default=900)


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from server.accounts import repository as accounts_repository
    from server.accounts import service as accounts_service
    from server.db import session_scope, upgrade_database
    from server.errors import DomainError
    from server.events import service as events_service
    from server.events.schemas import EventForm
    from server.models import UserRole, utcnow
    from server.problems import service as problems_service

    upgrade_database()
    try:
        with session_scope() as session:
            if args.action == "create-user":
                password = args.password or getpass.getpass("Password: ")
                user = accounts_service.create_user(
                    session=session,
                    username=args.username,
                    email=args.email,
                    password=password,
                    role=UserRole(args.role),
                )
                print(f"Created {user.role.value} {user.username}.")
            elif args.action == "add-problem":
                problem = problems_service.add_problem_from_folder(
                    session=session, name=args.name, kit_path=args.folder.resolve()
                )
                print(f"Added problem {problem.name}: {problem.title}.")
            else:
                organiser = accounts_repository.find_user_by_login(session, args.organiser)
                if organiser is None:
                    raise DomainError(f"No user is named {args.organiser!r}.")
                form = EventForm(
                    name=args.name,
                    title=args.title or args.name,
                    problem_name=args.problem,
                    opens_at=_utc(args.opens) or utcnow(),
                    closes_at=_utc(args.closes) or utcnow(),  # required by argparse
                    public_opens_at=_utc(args.public_opens),
                    min_seconds_between_submissions=args.min_seconds_between,
                )
                event = events_service.create_event(
                    session=session, form=form, created_by=organiser
                )
                print(f"Created event {event.name}.")
    except (DomainError, ValidationError) as error:
        print(f"error: {getattr(error, 'message', error)}", file=sys.stderr)
        return 2
    return 0
