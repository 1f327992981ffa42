"""Queries on events, their organisers and registrations."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from server.models import Event, EventOrganiser, EventRegistration, RegistrationStatus, User


def find_by_name(session: Session, name: str) -> Event | None:
    return session.scalar(
        select(Event).options(joinedload(Event.problem)).where(Event.name == name)
    )


def list_visible(session: Session, user: User | None, *, see_all: bool) -> list[Event]:
    """Public events, plus those the user organises or is registered to."""
    query = select(Event).options(joinedload(Event.problem)).order_by(Event.opens_at.desc())
    if not see_all:
        conditions = [Event.is_public.is_(True)]
        if user is not None:
            conditions.append(
                Event.id.in_(
                    select(EventOrganiser.event_id).where(EventOrganiser.user_id == user.id)
                )
            )
            conditions.append(
                Event.id.in_(
                    select(EventRegistration.event_id).where(EventRegistration.user_id == user.id)
                )
            )
        query = query.where(or_(*conditions))
    query = query.where(Event.is_archived.is_(False))
    return list(session.scalars(query).unique())


def is_organiser(session: Session, *, event_id: int, user_id: int) -> bool:
    return session.get(EventOrganiser, {"event_id": event_id, "user_id": user_id}) is not None


def registration(session: Session, *, event_id: int, user_id: int) -> EventRegistration | None:
    return session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event_id, EventRegistration.user_id == user_id
        )
    )


def registrations(
    session: Session, *, event_id: int, status: RegistrationStatus | None = None
) -> list[EventRegistration]:
    query = (
        select(EventRegistration)
        .options(joinedload(EventRegistration.user))
        .where(EventRegistration.event_id == event_id)
        .order_by(EventRegistration.created_at)
    )
    if status is not None:
        query = query.where(EventRegistration.status == status)
    return list(session.scalars(query))
