"""Accounts: signing up, signing in (throttled), profiles, passwords and API tokens."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from server.accounts import repository
from server.accounts.mailer import Mail, Mailer
from server.db import run_after_commit
from server.errors import BadRequest, Conflict, Invalid
from server.models import PasswordResetToken, User, UserRole, hash_api_token, utcnow
from server.security import check_login_allowed, record_login_attempt
from server.settings import Settings

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,49}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1000


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing (or absurdly long to hash)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(f"Passwords are limited to {MAX_PASSWORD_LENGTH} characters.")


def _clean_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise Invalid(f"{email!r} does not look like an email address.")
    return email


def create_user(
    *,
    session: Session,
    username: str,
    email: str,
    password: str,
    full_name: str = "",
    role: UserRole = UserRole.PARTICIPANT,
) -> User:
    """Create an account, refusing taken names and weak passwords."""
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise Invalid(
            "Usernames are 3 to 50 letters, digits, dots, dashes or underscores, starting "
            "with a letter or digit."
        )
    email = _clean_email(email)
    check_password_strength(password)
    taken = repository.username_or_email_taken(session, username=username, email=email)
    if taken == "username":
        raise Conflict(f"The username {username!r} is taken; choose another.")
    if taken == "email":
        raise Conflict("An account already uses this email address; sign in or reset it.")
    user = User(username=username, email=email, full_name=full_name.strip()[:200], role=role)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(
    *, session: Session, settings: Settings, login: str, password: str, ip_address: str
) -> User | None:
    """The user with these credentials, or None; every attempt is recorded.

    Raises TooManyRequests once the name or the address has failed too often, before
    even checking the password, so that guessing stops paying.
    """
    check_login_allowed(session=session, settings=settings, username=login, ip_address=ip_address)
    user = repository.find_user_by_login(session, login)
    ok = user is not None and user.is_active and user.check_password(password)
    record_login_attempt(session=session, username=login, ip_address=ip_address, succeeded=ok)
    return user if ok else None


def update_profile(*, session: Session, user: User, full_name: str, email: str) -> User:
    """Change the name and email shown on the profile."""
    email = _clean_email(email)
    if email != user.email:
        taken = repository.username_or_email_taken(session, username="", email=email)
        if taken == "email":
            raise Conflict("Another account already uses this email address.")
    user.full_name = full_name.strip()[:200]
    user.email = email
    session.flush()
    return user


def change_password(*, user: User, current_password: str, new_password: str) -> None:
    """Replace the password, after checking the current one."""
    if not user.check_password(current_password):
        raise BadRequest("The current password is not right.")
    check_password_strength(new_password)
    user.set_password(new_password)


def issue_api_token(*, session: Session, user: User) -> str:
    """A new API token for the CLI (replacing the old one), shown to the user once."""
    token = user.issue_api_token()
    session.flush()
    return token


def request_password_reset(
    *, session: Session, settings: Settings, mailer: Mailer, email: str
) -> None:
    """Mail a single-use reset link if an account has this address; silent otherwise.

    Silence either way, so that the form does not tell strangers who has an account.
    """
    user = repository.find_user_by_login(session, email)
    if user is None or not user.is_active:
        return
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=hash_api_token(token),
            expires_at=utcnow() + timedelta(seconds=settings.password_reset_ttl_seconds),
        )
    )
    session.flush()
    link = f"{settings.base_url.rstrip('/')}/password-reset/{token}"
    mail = Mail(
        to=user.email,
        subject="Reset your ramplab password",
        body=f"Hello {user.username},\n\nTo choose a new password, open {link}\n"
        f"The link works once, for {settings.password_reset_ttl_seconds // 60} minutes.\n",
    )
    # Only mail a link whose token is committed.
    run_after_commit(session, lambda: mailer.send(mail))


def reset_password(*, session: Session, token: str, new_password: str) -> User:
    """Set a new password with an emailed token, which is then used up."""
    reset = repository.find_reset_token(session, token)
    now = utcnow()
    if reset is None or not reset.is_usable(now):
        raise BadRequest("This reset link is invalid, used or expired; ask for a new one.")
    check_password_strength(new_password)
    user = session.get(User, reset.user_id)
    assert user is not None  # the foreign key cascades deletes
    user.set_password(new_password)
    reset.used_at = now
    session.flush()
    return user


def set_role(*, session: Session, user: User, role: UserRole) -> User:
    """Grant or withdraw the organiser or admin role."""
    user.role = role
    session.flush()
    return user
