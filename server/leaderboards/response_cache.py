"""Anonymous leaderboards served from memory: the response bytes, reused for a second.

An anonymous visitor may see exactly what every other anonymous visitor sees, so the
page and the API of a leaderboard, for a given path and query string, are the same bytes
for all of them, except the page's CSRF token, which is each visitor's own and is put
back in on the way out (none for a visitor without a session yet). Signed-in viewers
(session or API token) and visitors with a flash message waiting always reach the app,
which checks what they may see as before.

A response is reused for at most `ttl_seconds` (plus the time one request takes to
refresh it: meanwhile the other requests keep getting the previous one, so that 200
clients do not all rebuild it at once), and dropped at once when this process commits a
change to an event, team or submission. Other processes (other uvicorn workers, the
scoring worker) are caught by the TTL: an anonymous visitor may see a board, or an event
just made private, up to that long after the change, the same delay as the board cache
in `service.py`. Only 200 responses are kept.

This middleware must sit inside Starlette's SessionMiddleware: it reads the decoded
session to tell anonymous visitors apart and to find their CSRF token.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
import weakref
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.models import BaggedScore, Event, Problem, ProblemScoreType, Submission, Team

CACHED_PATH = re.compile(r"^(?:/api)?/events/[^/]+/leaderboard$")
# Short: this is also how late another process's change (an event made private) shows.
DEFAULT_TTL_SECONDS = 1.0
MAX_ENTRIES = 1_000
# Stands for the visitor's CSRF token when hashing a stored page for its ETag.
CSRF_PLACEHOLDER = b"\x00ramplab-csrf\x00"
# Session keys that make a response the visitor's own.
PERSONAL_SESSION_KEYS = ("uid", "flash")
# Headers worked out per response, never copied from the stored one.
PER_RESPONSE_HEADERS = {b"content-length", b"etag", b"set-cookie", b"cache-control"}
BOARD_TABLES = (Event, Team, Submission, BaggedScore, Problem, ProblemScoreType)


@dataclass(frozen=True)
class _Entry:
    expires_at: float
    status: int
    headers: list[tuple[bytes, bytes]]
    # The body, cut where the visitor's CSRF token goes (one part if it has none).
    parts: list[bytes]
    digest: str


class LeaderboardResponseCache:
    """ASGI middleware: anonymous GETs of leaderboards answered from memory."""

    def __init__(self, app: ASGIApp, *, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        self.app = app
        self.ttl_seconds = ttl_seconds
        self._entries: dict[tuple[str, bytes], _Entry] = {}
        self._refreshing: dict[tuple[str, bytes], asyncio.Future[None]] = {}
        _caches.add(self)

    def clear(self) -> None:
        self._entries.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.ttl_seconds <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or not CACHED_PATH.match(scope["path"])
            or not _anonymous(scope)
        ):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"])
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() < entry.expires_at:
            await _send(entry, scope, send)
            return
        refreshing = self._refreshing.get(key)
        if refreshing is not None:
            if entry is None:  # nothing to show yet: wait for the one being built
                await asyncio.shield(refreshing)
                entry = self._entries.get(key)
            if entry is not None:
                await _send(entry, scope, send)
            else:  # the app did not answer 200: nothing to share
                await self.app(scope, receive, send)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._refreshing[key] = done
        try:
            await self._refresh(key, scope, receive, send)
        finally:
            del self._refreshing[key]
            done.set_result(None)

    async def _refresh(
        self, key: tuple[str, bytes], scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer through the app, keeping a 200 response for the next visitors."""
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        started_at = time.monotonic()
        await self.app(scope, receive, capture)
        # Not always the first message: the test client gets template debug messages too.
        start = next((m for m in messages if m["type"] == "http.response.start"), {})
        headers = list(start.get("headers", []))
        if start.get("status") != 200 or any(name == b"set-cookie" for name, _ in headers):
            for message in messages:
                await send(message)
            return
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        token = scope["session"].get("csrf")
        parts = body.split(token.encode()) if token else [body]
        if len(self._entries) >= MAX_ENTRIES:  # query strings are the visitors' to choose
            self._entries.clear()
        entry = self._entries[key] = _Entry(
            expires_at=started_at + self.ttl_seconds,
            status=200,
            headers=[(name, value) for name, value in headers if name not in PER_RESPONSE_HEADERS],
            parts=parts,
            digest=hashlib.blake2b(CSRF_PLACEHOLDER.join(parts), digest_size=12).hexdigest(),
        )
        await _send(entry, scope, send)


def _anonymous(scope: Scope) -> bool:
    if any(name == b"authorization" for name, _ in scope["headers"]):
        return False
    session = scope.get("session")
    if session is None:  # not behind SessionMiddleware: cannot tell who is asking
        return False
    return not any(name in session for name in PERSONAL_SESSION_KEYS)


async def _send(entry: _Entry, scope: Scope, send: Send) -> None:
    body, etag = entry.parts[0], entry.digest
    if len(entry.parts) > 1:
        # A visitor without a session gets no token (and no session cookie): this page has
        # no form for them, and the sign-in page issues one when they get there.
        token = str(scope["session"].get("csrf", "")).encode()
        body = token.join(entry.parts)
        etag += "-" + hashlib.blake2b(token, digest_size=6).hexdigest()
    etag_header = f'"{etag}"'.encode()
    headers = [
        *entry.headers,
        (b"etag", etag_header),
        (b"cache-control", b"no-cache"),
    ]
    if etag_header in _if_none_match(scope):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": entry.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _if_none_match(scope: Scope) -> list[bytes]:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return [tag.strip().removeprefix(b"W/") for tag in value.split(b",")]
    return []


# Every live cache, so that a commit in this process can empty them all.
_caches: weakref.WeakSet[LeaderboardResponseCache] = weakref.WeakSet()
_CHANGED = "ramplab_leaderboards_changed"


@event.listens_for(Session, "after_flush")
def _note_board_change(session: Session, _flush_context: object) -> None:
    if any(
        isinstance(instance, BOARD_TABLES)
        for instance in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _drop_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        for cache in list(_caches):
            cache.clear()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
