"""Leaderboards API."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from server.events import service as events_service
from server.leaderboards import service
from server.leaderboards.schemas import LeaderboardRead
from server.security import DbSession, OptionalUser

router = APIRouter(prefix="/api", tags=["leaderboards"])


@router.get(
    "/events/{event_name}/leaderboard",
    response_model=LeaderboardRead,
    responses={
        403: {"description": "Private board before closing"},
        404: {"description": "No such event"},
    },
)
def read_leaderboard(
    event_name: str,
    request: Request,
    session: DbSession,
    user: OptionalUser,
    kind: Literal["public", "private", "competition", "failed"] = "public",
    sort: Literal["rank", "team", "submission", "date"] | str = Query("rank", max_length=100),
    descending: bool | None = None,
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    """One page (100 rows) of a leaderboard; scores sort in their own direction."""
    event = events_service.get_event(session=session, name=event_name, user=user)
    service.check_visible(session=session, event=event, user=user, kind=kind)
    cache_seconds = request.app.state.leaderboard_cache_seconds
    body = service.rendered(
        ("api", event.id, kind, sort, descending, page),
        cache_seconds,
        lambda: _serialize(
            service.build_leaderboard(
                session=session,
                event=event,
                user=user,
                kind=kind,
                sort=sort,
                descending=descending,
                page=page,
                cache_seconds=cache_seconds,
            )
        ),
    )
    return Response(body, media_type="application/json")


def _serialize(board: service.Leaderboard) -> bytes:
    # Read through the dataclasses' attributes: `asdict` deep-copied every row and its
    # scores first, which made this ten times slower (3.2 ms against 0.35 ms for 100 rows)
    # and, run in a worker thread, held the GIL that the event loop was waiting for.
    return LeaderboardRead.model_validate(board, from_attributes=True).model_dump_json().encode()
