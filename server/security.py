"""Who is asking, and may they: signed session cookies, API tokens, CSRF, throttling.

Sessions are Starlette's signed cookie (`request.session`): HttpOnly, SameSite=Lax, and
Secure when the site is served over https. The cookie holds the user id and a
fingerprint of their password hash, so that changing or resetting a password signs out
every other browser. Every form carries a CSRF token stored in that cookie; API calls
authenticated with a bearer token need none, since a browser never sends one by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db import get_session
from server.errors import Forbidden, NotAuthenticated, TooManyRequests
from server.models import LoginAttempt, User, UserRole, hash_api_token, utcnow
from server.settings import Settings

SESSION_COOKIE = "ramplab_session"
SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Many students may sit behind one classroom NAT: an address gets more tries than a name.
IP_ATTEMPTS_FACTOR = 5

# scope="function": commit before the response leaves. Otherwise a browser following the
# redirect after sign-up can ask for the next page before the new account is committed.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with (not the process-wide ones)."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_app_settings)]


@dataclass(frozen=True)
class UserView:
    """What pages show of the signed-in user, readable even after the session rolled back
    (error pages render after the request's transaction has ended)."""

    id: int
    username: str
    role: UserRole

    @classmethod
    def of(cls, user: User | None) -> UserView | None:
        return None if user is None else cls(id=user.id, username=user.username, role=user.role)


# ----- sessions ----------------------------------------------------------------------


def password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def log_in(request: Request, user: User) -> None:
    """Start a fresh session for `user` (a new CSRF token too, against session fixation)."""
    request.session.clear()
    request.session.update(
        {"uid": user.id, "pwf": password_fingerprint(user), "csrf": secrets.token_urlsafe(32)}
    )
    user.last_login_at = utcnow()
    request.state.user = user
    request.state.user_view = UserView.of(user)


def log_out(request: Request) -> None:
    request.session.clear()
    request.state.user = None
    request.state.user_view = None


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (forms call this)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def optional_user(request: Request, session: DbSession) -> User | None:
    """The signed-in user (by API token or session cookie), or None."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    user: User | None = None
    token = _bearer_token(request)
    if token is not None:
        user = session.scalar(select(User).where(User.api_token_hash == hash_api_token(token)))
        if user is None or not user.is_active:
            raise NotAuthenticated("This API token is not valid; create a new one on your profile.")
        request.state.via_token = True
    elif "session" in request.scope and (uid := request.session.get("uid")) is not None:
        user = session.get(User, uid)
        if (
            user is None
            or not user.is_active
            or request.session.get("pwf") != (password_fingerprint(user))
        ):
            request.session.clear()
            user = None
    request.state.user = user
    request.state.user_view = UserView.of(user)
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_user(user: OptionalUser) -> User:
    if user is None:
        raise NotAuthenticated("Please sign in first.")
    return user


CurrentUser = Annotated[User, Depends(require_user)]


def require_admin(user: CurrentUser) -> User:
    if user.role is not UserRole.ADMIN:
        raise Forbidden("Only administrators can do this.")
    return user


AdminUser = Annotated[User, Depends(require_admin)]


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong.

    Bearer-token calls are exempt: a cross-site page cannot make the browser send one.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or _bearer_token(request):
        return
    expected = request.session.get("csrf", "")
    given = request.headers.get(CSRF_HEADER)
    if given is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(str(expected), given):
        raise Forbidden(
            "This form has expired or did not come from this site. Reload the page and try again."
        )


# ----- login throttling --------------------------------------------------------------


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_login_allowed(
    *, session: Session, settings: Settings, username: str, ip_address: str
) -> None:
    """Refuse a sign-in attempt once too many have failed, for the name or the address."""
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    failures = select(func.count()).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since
    )
    by_name = session.scalar(failures.where(LoginAttempt.username == username.lower())) or 0
    by_ip = session.scalar(failures.where(LoginAttempt.ip_address == ip_address)) or 0
    limit = settings.login_attempts_per_window
    if by_name >= limit or by_ip >= limit * IP_ATTEMPTS_FACTOR:
        minutes = max(1, settings.login_window_seconds // 60)
        raise TooManyRequests(
            f"Too many failed sign-in attempts. Try again in {minutes} minutes, or reset "
            "your password."
        )


def record_login_attempt(
    *, session: Session, username: str, ip_address: str, succeeded: bool
) -> None:
    session.add(
        LoginAttempt(
            username=username.lower()[:254], ip_address=ip_address[:45], succeeded=succeeded
        )
    )
    session.flush()
