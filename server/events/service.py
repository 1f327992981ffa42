"""Events: who sees and runs them, joining (with or without approval), the kit download."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.events import repository
from server.events.schemas import EventForm
from server.models import (
    Event,
    EventOrganiser,
    EventRegistration,
    RegistrationStatus,
    User,
    UserRole,
    utcnow,
)
from server.problems import repository as problems_repository
from server.teams import service as teams_service

# Kit files never handed out: the private test set and anything generated from it.
PRIVATE_DATA_MARKERS = ("test",)


def is_admin(user: User | None) -> bool:
    return user is not None and user.role is UserRole.ADMIN


def can_manage(*, session: Session, event: Event, user: User | None) -> bool:
    """Admins manage every event; organisers the ones they were made organisers of."""
    if user is None:
        return False
    return is_admin(user) or repository.is_organiser(session, event_id=event.id, user_id=user.id)


def get_event(*, session: Session, name: str, user: User | None) -> Event:
    """The event called `name`, if `user` may see it (NotFound otherwise, not Forbidden,
    so that private events do not reveal they exist)."""
    event = repository.find_by_name(session, name)
    if event is None:
        raise NotFound(f"No event is named {name!r}.")
    if event.is_public or can_manage(session=session, event=event, user=user):
        return event
    if user is not None and repository.registration(session, event_id=event.id, user_id=user.id):
        return event
    raise NotFound(f"No event is named {name!r}.")


def get_managed_event(*, session: Session, name: str, user: User) -> Event:
    event = get_event(session=session, name=name, user=user)
    if not can_manage(session=session, event=event, user=user):
        raise Forbidden("Only this event's organisers can do this.")
    return event


def list_events(*, session: Session, user: User | None) -> list[Event]:
    return repository.list_visible(session, user, see_all=is_admin(user))


def phase(event: Event, now: datetime | None = None) -> str:
    """ "upcoming", "open" or "closed"."""
    now = now or utcnow()
    if now < event.opens_at:
        return "upcoming"
    return "open" if now < event.closes_at else "closed"


def code_is_shared(event: Event, now: datetime | None = None) -> bool:
    """True once the collaborative phase has begun: participants may read others' code."""
    now = now or utcnow()
    return event.public_opens_at is not None and now >= event.public_opens_at


def official_score_name(event: Event) -> str:
    if event.official_score_name:
        return event.official_score_name
    official = event.problem.official_score_type
    return official.name if official else ""


def join_event(*, session: Session, event: Event, user: User) -> EventRegistration:
    """Sign `user` up; approved at once (with a one-person team) unless approval is needed."""
    existing = repository.registration(session, event_id=event.id, user_id=user.id)
    if existing is not None:
        return existing
    if event.is_invitation_only:
        raise Forbidden("This event is by invitation only; ask its organisers to add you.")
    if phase(event) == "closed":
        raise Forbidden("This event has closed; it no longer takes new participants.")
    status = (
        RegistrationStatus.PENDING if event.signup_needs_approval else RegistrationStatus.APPROVED
    )
    registration = EventRegistration(event_id=event.id, user_id=user.id, status=status)
    session.add(registration)
    session.flush()
    if status is RegistrationStatus.APPROVED:
        teams_service.ensure_solo_team(session=session, event=event, user=user)
    return registration


def decide_registration(
    *, session: Session, event: Event, registration_id: int, approve: bool, decided_by: User
) -> EventRegistration:
    """Approve (creating the participant's team) or reject a pending sign-up."""
    registration = session.get(EventRegistration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound("No such sign-up for this event.")
    registration.status = RegistrationStatus.APPROVED if approve else RegistrationStatus.REJECTED
    registration.decided_at = utcnow()
    registration.decided_by_id = decided_by.id
    session.flush()
    if approve:
        participant = session.get(User, registration.user_id)
        assert participant is not None
        teams_service.ensure_solo_team(session=session, event=event, user=participant)
    return registration


def add_participant(*, session: Session, event: Event, username: str, added_by: User) -> User:
    """Organisers register someone themselves (the way into invitation-only events)."""
    from server.accounts import repository as accounts_repository

    user = accounts_repository.find_user_by_login(session, username)
    if user is None:
        raise NotFound(f"No user is named {username.strip()!r}.")
    registration = repository.registration(session, event_id=event.id, user_id=user.id)
    if registration is None:
        registration = EventRegistration(event_id=event.id, user_id=user.id)
        session.add(registration)
    registration.status = RegistrationStatus.APPROVED
    registration.decided_at = utcnow()
    registration.decided_by_id = added_by.id
    session.flush()
    teams_service.ensure_solo_team(session=session, event=event, user=user)
    return user


def add_organiser(*, session: Session, event: Event, username: str) -> User:
    """Make an organiser (or admin) account a co-organiser of the event."""
    from server.accounts import repository as accounts_repository

    user = accounts_repository.find_user_by_login(session, username)
    if user is None:
        raise NotFound(f"No user is named {username.strip()!r}.")
    if user.role not in (UserRole.ADMIN, UserRole.ORGANISER):
        raise Invalid(f"{user.username} is not an organiser; an admin can grant the role.")
    if not repository.is_organiser(session, event_id=event.id, user_id=user.id):
        session.add(EventOrganiser(event_id=event.id, user_id=user.id))
        session.flush()
    return user


def _apply_form(session: Session, event: Event, form: EventForm) -> None:
    problem = problems_repository.find_by_name(session, form.problem_name)
    if problem is None:
        raise Invalid(f"No problem is named {form.problem_name!r}.")
    score_names = [score_type.name for score_type in problem.score_types]
    if form.official_score_name and form.official_score_name not in score_names:
        raise Invalid(
            f"{form.official_score_name!r} is not one of this problem's scores: "
            f"{', '.join(score_names)}."
        )
    for field in EventForm.model_fields:
        if field != "problem_name":
            setattr(event, field, getattr(form, field))
    event.official_score_name = form.official_score_name or None
    event.problem = problem
    event.problem_id = problem.id


def create_event(*, session: Session, form: EventForm, created_by: User) -> Event:
    """Create an event; its creator becomes one of its organisers."""
    if created_by.role not in (UserRole.ADMIN, UserRole.ORGANISER):
        raise Forbidden("Only organisers can create events.")
    if repository.find_by_name(session, form.name) is not None:
        raise Conflict(f"An event named {form.name!r} already exists.")
    event = Event(
        name=form.name, title=form.title, opens_at=form.opens_at, closes_at=form.closes_at
    )
    _apply_form(session, event, form)
    session.add(event)
    session.flush()
    session.add(EventOrganiser(event_id=event.id, user_id=created_by.id))
    session.flush()
    return event


def update_event(*, session: Session, event: Event, form: EventForm) -> Event:
    """Change an event's settings (its name stays: it is in every link to it)."""
    form = form.model_copy(update={"name": event.name})
    _apply_form(session, event, form)
    session.flush()
    return event


def _public_kit_files(kit_path: Path) -> list[Path]:
    files = [kit_path / "problem.py"]
    starting_kit = kit_path / "submissions" / "starting_kit"
    if starting_kit.is_dir():
        files.extend(p for p in starting_kit.rglob("*") if p.is_file())
    data = kit_path / "data"
    public = data / "public"
    if public.is_dir():
        files.extend(p for p in public.rglob("*") if p.is_file())
    elif data.is_dir():
        files.extend(
            p
            for p in data.iterdir()
            if p.is_file() and not any(marker in p.name.lower() for marker in PRIVATE_DATA_MARKERS)
        )
    return [p for p in files if p.is_file() and "__pycache__" not in p.parts and not p.is_symlink()]


def starting_kit_archive(event: Event) -> bytes:
    """A zip of problem.py, the starting kit and the public (training) data.

    The held-out test data stays on the server: its labels are what the private
    leaderboard is scored on.
    """
    kit_path = Path(event.problem.kit_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _public_kit_files(kit_path):
            archive.write(path, f"{event.name}/{path.relative_to(kit_path).as_posix()}")
    return buffer.getvalue()


def starting_kit_files(event: Event) -> dict[str, str]:
    """The starting kit's workflow files, to pre-fill the sandbox editors."""
    folder = Path(event.problem.kit_path) / "submissions" / "starting_kit"
    files = {}
    for element in event.problem.workflow_element_names:
        path = folder / f"{element}.py"
        files[f"{element}.py"] = path.read_text() if path.is_file() else ""
    return files
