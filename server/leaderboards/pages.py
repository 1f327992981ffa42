"""Leaderboard pages and the organisers' CSV export."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from server.errors import DomainError
from server.events import service as events_service
from server.leaderboards import service
from server.security import CurrentUser, DbSession, OptionalUser, optional_user
from server.web import render, render_refusal, templates

router = APIRouter(dependencies=[Depends(optional_user)], include_in_schema=False)


@router.get("/events/{event_name}/leaderboard")
def leaderboard(
    request: Request,
    event_name: str,
    session: DbSession,
    user: OptionalUser,
    kind: str = "public",
    sort: str = Query("rank", max_length=100),
    descending: bool | None = None,
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    event = events_service.get_event(session=session, name=event_name, user=user)
    revealed = service.private_revealed(session=session, event=event, user=user)
    context = {
        "event": event,
        "kind": kind,
        "kinds": service.KINDS,
        "private_revealed": revealed,
        "can_manage": events_service.can_manage(session=session, event=event, user=user),
        "code_shared": events_service.code_is_shared(event),
    }
    cache_seconds = request.app.state.leaderboard_cache_seconds
    try:
        service.check_visible(session=session, event=event, user=user, kind=kind)
        board, table = service.rendered(
            ("page", event.id, kind, sort, descending, page),
            cache_seconds,
            lambda: _board_and_table(
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
    except DomainError as error:
        return render_refusal(request, "leaderboards/board.html", {**context, "board": None}, error)
    return render(request, "leaderboards/board.html", {**context, "board": board, "table": table})


def _board_and_table(board: service.Leaderboard) -> tuple[service.Leaderboard, Markup]:
    # Rendered once per cache period: the table is most of the page's work.
    table = templates.get_template("events/leaderboard_table.html").render(board=board)
    return board, Markup(table)


@router.get("/events/{event_name}/leaderboard.csv")
def export_csv(
    event_name: str, session: DbSession, user: CurrentUser, kind: str = "public"
) -> Response:
    event = events_service.get_managed_event(session=session, name=event_name, user=user)
    board = service.build_leaderboard(
        session=session, event=event, user=user, kind=kind, limit=None, cache_seconds=0
    )
    buffer = io.StringIO()
    safe = _spreadsheet_safe
    writer = csv.writer(buffer)
    score_names = [column.name for column in board.columns]
    writer.writerow(
        [
            "rank",
            "team",
            "submission",
            "submission_id",
            *score_names,
            "train_seconds",
            "valid_seconds",
            "submitted_at",
            "move",
            "failure_kind",
        ]
    )
    for row in board.rows:
        writer.writerow(
            [
                row.rank,
                safe(row.team_name),
                safe(row.submission_name),
                row.submission_id,
                *[row.scores.get(name, "") for name in score_names],
                row.train_seconds if row.train_seconds is not None else "",
                row.valid_seconds if row.valid_seconds is not None else "",
                row.submitted_at.isoformat(),
                "" if row.move is None else row.move,
                row.failure_kind or "",
            ]
        )
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="{event.name}-{kind}.csv"'},
    )


def _spreadsheet_safe(value: str) -> str:
    # Team names are chosen by participants: one starting with "=" would be a formula
    # when the organiser opens the export in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
