"""Accounts pages: sign up, sign in and out, profile, password reset."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from server.accounts import service
from server.errors import DomainError
from server.security import (
    AppSettings,
    CurrentUser,
    DbSession,
    client_ip,
    log_in,
    log_out,
    verify_csrf,
)
from server.web import flash, redirect, render, render_refusal

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

Text = Annotated[str, Form()]
OptionalText = Annotated[str, Form()]


def _safe_next(url: str | None) -> str:
    # Only local paths: an attacker's link must not bounce a fresh login to their site.
    if not url or not url.startswith("/") or url.startswith("//") or urlparse(url).netloc:
        return "/"
    return url


@router.get("/signup")
def signup_form(request: Request) -> Response:
    return render(request, "accounts/signup.html", {"form": {}})


@router.post("/signup")
def signup(
    request: Request,
    session: DbSession,
    username: Text,
    email: Text,
    password: Text,
    full_name: Annotated[str, Form()] = "",
) -> Response:
    form = {"username": username, "email": email, "full_name": full_name}
    try:
        user = service.create_user(
            session=session,
            username=username,
            email=email,
            password=password,
            full_name=full_name,
        )
    except DomainError as error:
        return render_refusal(request, "accounts/signup.html", {"form": form}, error)
    log_in(request, user)
    flash(request, f"Welcome, {user.username}! Pick an event to join.")
    return redirect("/events")


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "accounts/login.html", {"next": _safe_next(next), "login": ""})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    login: Text,
    password: Text,
    next: Annotated[str, Form()] = "/",
) -> Response:
    context = {"next": _safe_next(next), "login": login}
    try:
        user = service.authenticate(
            session=session,
            settings=settings,
            login=login,
            password=password,
            ip_address=client_ip(request),
        )
    except DomainError as error:
        return render_refusal(request, "accounts/login.html", context, error)
    if user is None:
        return render(
            request,
            "accounts/login.html",
            {**context, "error": "Wrong username or password."},
            status_code=401,
        )
    log_in(request, user)
    return redirect(_safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    log_out(request)
    return redirect("/")


@router.get("/profile")
def profile(request: Request, user: CurrentUser) -> Response:
    return render(request, "accounts/profile.html", {"user": user})


@router.post("/profile")
def update_profile(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    email: Text,
    full_name: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.update_profile(session=session, user=user, full_name=full_name, email=email)
    except DomainError as error:
        return render_refusal(request, "accounts/profile.html", {"user": user}, error)
    flash(request, "Profile saved.")
    return redirect("/profile")


@router.post("/profile/password")
def change_password(
    request: Request, user: CurrentUser, current_password: Text, new_password: Text
) -> Response:
    try:
        service.change_password(
            user=user, current_password=current_password, new_password=new_password
        )
    except DomainError as error:
        return render_refusal(request, "accounts/profile.html", {"user": user}, error)
    log_in(request, user)  # keep this browser signed in; the others are signed out
    flash(request, "Password changed.")
    return redirect("/profile")


@router.post("/profile/token")
def new_token(request: Request, session: DbSession, user: CurrentUser) -> Response:
    token = service.issue_api_token(session=session, user=user)
    return render(request, "accounts/profile.html", {"user": user, "new_token": token})


@router.get("/password-reset")
def reset_request_form(request: Request) -> Response:
    return render(request, "accounts/reset_request.html")


@router.post("/password-reset")
def reset_request(
    request: Request, session: DbSession, settings: AppSettings, email: Text
) -> Response:
    service.request_password_reset(
        session=session, settings=settings, mailer=request.app.state.mailer, email=email
    )
    flash(request, "If an account uses this address, a reset link is on its way.")
    return redirect("/login")


@router.get("/password-reset/{token}")
def reset_form(request: Request, token: str) -> Response:
    return render(request, "accounts/reset.html", {"token": token})


@router.post("/password-reset/{token}")
def reset(request: Request, session: DbSession, token: str, new_password: Text) -> Response:
    try:
        user = service.reset_password(session=session, token=token, new_password=new_password)
    except DomainError as error:
        return render_refusal(request, "accounts/reset.html", {"token": token}, error)
    log_in(request, user)
    flash(request, "Your password was changed; you are signed in.")
    return redirect("/")
