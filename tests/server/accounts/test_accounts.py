"""Signing up, in and out; sessions, CSRF, throttling, password reset, API tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.accounts.mailer import RecordingMailer
from server.settings import Settings
from tests.factories import DEFAULT_PASSWORD, create_user
from tests.server.conftest import api_headers, csrf_token, login, post_form


def test_sign_up_signs_the_new_user_in_with_a_safe_cookie(client: TestClient) -> None:
    response = post_form(
        client,
        "/signup",
        {"username": "ada", "email": "Ada@Example.org", "password": "analytical-engine"},
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in tests; https base URLs get Secure
    assert client.get("/profile").status_code == 200
    assert client.get("/api/me").json()["email"] == "ada@example.org"


def test_secure_cookie_when_served_over_https(
    settings: Settings,
    session_factory,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from server.app import create_app
    from server.db import get_session

    app = create_app(settings.model_copy(update={"base_url": "https://ramp.example.org"}))
    app.dependency_overrides[get_session] = lambda: (yield from _scope(session_factory))
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/login")
        assert "secure" in response.headers["set-cookie"].lower()


def _scope(factory):  # type: ignore[no-untyped-def]
    from server.db import session_scope

    with session_scope(factory) as session:
        yield session


def test_sign_up_refuses_a_taken_username_and_keeps_the_form(
    client: TestClient, session: Session
) -> None:
    create_user(session, username="grace")
    response = post_form(
        client,
        "/signup",
        {"username": "grace", "email": "other@example.org", "password": "long enough pw"},
    )
    assert response.status_code == 409
    assert "is taken" in response.text
    assert 'value="other@example.org"' in response.text


def test_weak_password_is_refused(client: TestClient) -> None:
    response = post_form(
        client, "/signup", {"username": "bob", "email": "bob@example.org", "password": "short"}
    )
    assert response.status_code == 422
    assert "at least 8 characters" in response.text


def test_forms_without_a_csrf_token_are_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post(
        "/signup", data={"username": "eve", "email": "eve@example.org", "password": "x" * 10}
    )
    assert response.status_code == 403
    assert "expired" in response.text
    response = client.post(
        "/signup",
        data={
            "username": "eve",
            "email": "e@example.org",
            "password": "x" * 10,
            "csrf_token": "forged",
        },
    )
    assert response.status_code == 403


def test_wrong_password_then_throttled_even_with_the_right_one(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session)
    for _ in range(settings.login_attempts_per_window):
        response = client.post(
            "/login",
            data={"login": user.username, "password": "wrong", "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
    response = client.post(
        "/login",
        data={
            "login": user.username,
            "password": DEFAULT_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    # The API token exchange is throttled the same way.
    response = client.post(
        "/api/token", json={"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429


def test_log_out_ends_the_session(client: TestClient, session: Session) -> None:
    login(client, create_user(session))
    assert post_form(client, "/logout").status_code == 303
    assert client.get("/profile").status_code == 303  # back to the sign-in form
    assert client.get("/api/me").status_code == 401


def test_login_redirects_only_to_local_pages(client: TestClient, session: Session) -> None:
    user = create_user(session)
    response = client.post(
        "/login",
        data={
            "login": user.username,
            "password": DEFAULT_PASSWORD,
            "next": "https://evil.example.com/",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["location"] == "/"


def test_password_reset_link_works_once_and_signs_out_other_browsers(
    client: TestClient,
    make_client,
    session: Session,
    mailer: RecordingMailer,  # type: ignore[no-untyped-def]
) -> None:
    user = create_user(session, email="reset@example.org")
    other_browser = login(make_client(), user)
    post_form(client, "/password-reset", {"email": "reset@example.org"})
    post_form(client, "/password-reset", {"email": "nobody@example.org"})
    assert len(mailer.outbox) == 1
    token = re.search(r"/password-reset/(\S+)", mailer.outbox[0].body).group(1)  # type: ignore[union-attr]
    response = post_form(client, f"/password-reset/{token}", {"new_password": "brand new pass"})
    assert response.status_code == 303
    assert other_browser.get("/api/me").status_code == 401
    again = post_form(make_client(), f"/password-reset/{token}", {"new_password": "another one!"})
    assert again.status_code == 400
    assert "invalid, used or expired" in again.text
    fresh = make_client()
    login(fresh, user, password="brand new pass")


def test_api_token_exchange_and_bearer_auth(client: TestClient, session: Session) -> None:
    user = create_user(session)
    response = client.post(
        "/api/token", json={"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == user.username
    bad = client.get("/api/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert (
        client.post("/api/token", json={"username": user.username, "password": "x"}).status_code
        == 401
    )


def test_profile_token_is_shown_once(client: TestClient, session: Session) -> None:
    user = create_user(session)
    login(client, user)
    page = post_form(client, "/profile/token")
    token = re.search(r'<pre id="api-token">([^<]+)</pre>', page.text).group(1)  # type: ignore[union-attr]
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/profile").text
    assert api_headers  # used by other modules
