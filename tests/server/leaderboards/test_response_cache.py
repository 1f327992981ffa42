"""The anonymous leaderboard response cache: shared bytes, never a signed-in view."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from server.accounts.mailer import RecordingMailer
from server.leaderboards import response_cache
from server.models import EventOrganiser, UserRole
from server.settings import Settings
from server.submissions.queue import RecordingQueue
from tests.factories import create_submission, create_user
from tests.server.conftest import api_headers, csrf_token, login, make_test_app, score
from tests.server.leaderboards.test_leaderboards import make_board, names

META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


@pytest.fixture
def app(
    settings: Settings,
    session_factory: sessionmaker[Session],
    task_queue: RecordingQueue,
    mailer: RecordingMailer,
) -> FastAPI:
    # Boards themselves uncached, so that only this layer can serve stale data.
    return make_test_app(
        settings, session_factory, task_queue, mailer, leaderboard_response_cache_seconds=60
    )


def test_anonymous_board_is_shared_until_this_process_commits_a_change(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = make_board(session)
    url = f"/api/events/{event.name}/leaderboard"
    assert names(client.get(url)) == ["sub_b", "sub_c", "sub_a"]
    newcomer = create_submission(session, event=event, name="newcomer")
    score(session, newcomer, valid={"accuracy": 0.99, "error": 0.01})
    # Another anonymous visitor gets the stored bytes; a signed-in one asks the app.
    assert names(make_client().get(url)) == ["sub_b", "sub_c", "sub_a"]
    signed_in = client.get(url, headers=api_headers(session, create_user(session)))
    assert names(signed_in)[0] == "newcomer"
    response_cache._drop_on_commit(session)  # what committing that flush does
    assert names(client.get(url))[0] == "newcomer"


def test_each_anonymous_visitor_gets_their_own_csrf_token(
    make_client,  # type: ignore[no-untyped-def]
    session: Session,
) -> None:
    event = make_board(session)
    first, second = make_client(), make_client()
    path = f"/events/{event.name}/leaderboard"

    def token_on_page(visitor: TestClient) -> str:
        page = visitor.get(path)
        assert page.status_code == 200 and "sub_b" in page.text and "\x00" not in page.text
        return META_CSRF.search(page.text).group(1)  # type: ignore[union-attr]

    assert token_on_page(first) == csrf_token(first)  # rendered by the app for them
    # Served from memory: no session yet, so no token and no session cookie...
    assert token_on_page(second) == "" and "ramplab_session" not in second.cookies
    # ...and once they have one (the sign-in form gives it), their own.
    own = csrf_token(second)
    assert token_on_page(second) == own != csrf_token(first)
    assert token_on_page(first) == csrf_token(first)


def test_signed_in_views_are_never_shared_with_anonymous_visitors(
    client: TestClient,
    make_client,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    event = make_board(session)
    organiser = create_user(session, role=UserRole.ORGANISER)
    session.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    session.flush()
    login(client, organiser)
    for path in (f"/events/{event.name}/leaderboard", f"/api/events/{event.name}/leaderboard"):
        assert client.get(path, params={"kind": "private"}).status_code == 200
        by_token = make_client().get(
            path, params={"kind": "private"}, headers=api_headers(session, organiser)
        )
        assert by_token.status_code == 200
        anonymous = make_client().get(path, params={"kind": "private"})
        assert anonymous.status_code == 403 and "0.93" not in anonymous.text
    page = client.get(f"/events/{event.name}/leaderboard")
    assert organiser.username in page.text and "Export CSV" in page.text
    anonymous_page = make_client().get(f"/events/{event.name}/leaderboard")
    assert organiser.username not in anonymous_page.text
    assert "Export CSV" not in anonymous_page.text


def test_unchanged_board_answers_304_to_its_etag(
    client: TestClient,
    session: Session,
) -> None:
    event = make_board(session)
    for path in (f"/events/{event.name}/leaderboard", f"/api/events/{event.name}/leaderboard"):
        first = client.get(path)
        etag = first.headers["etag"]
        again = client.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b""
        assert client.get(path, headers={"if-none-match": '"other"'}).content == first.content
