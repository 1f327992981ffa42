"""Queries on users and password-reset tokens."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.models import PasswordResetToken, User, hash_api_token


def find_user_by_login(session: Session, login: str) -> User | None:
    """The user whose username (case-insensitively) or email is `login`."""
    login = login.strip().lower()
    return session.scalar(
        select(User).where(or_(func.lower(User.username) == login, User.email == login))
    )


def username_or_email_taken(session: Session, *, username: str, email: str) -> str | None:
    """Which of the two is already used ("username", "email"), or None."""
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        return "username"
    if session.scalar(select(User.id).where(User.email == email.lower())):
        return "email"
    return None


def find_reset_token(session: Session, token: str) -> PasswordResetToken | None:
    return session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_api_token(token))
    )


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
