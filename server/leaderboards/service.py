"""Leaderboards: public (valid), private (test), competition (one per team), failed.

The competition board shows the submission each team chose, or, for a team that has not
chosen (or whose choice is no longer scored), its best public one; `Row.entry` says which.

Scores are shown as computed and sorted in each score type's own direction: a
lower-is-better score sorts ascending. Private (test) scores reach participants only
once the event has closed; organisers see them all along.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy.orm import Session

from server.errors import Forbidden, Invalid
from server.events import service as events_service
from server.leaderboards import repository
from server.models import Event, ProblemScoreType, ScoreStep, User

T = TypeVar("T")
Kind = Literal["public", "private", "competition", "failed"]
KINDS: tuple[Kind, ...] = ("public", "private", "competition", "failed")
PAGE_SIZE = 100
# Seconds a computed board is reused. Boards change when a submission is scored, and a
# page of them is asked for far more often than that; apps may set 0 (tests do).
DEFAULT_CACHE_SECONDS = 2.0


@dataclass(frozen=True)
class Column:
    name: str
    precision: int
    lower_is_better: bool


@dataclass
class Row:
    rank: int
    submission_id: int
    submission_name: str
    team_name: str
    submitted_at: datetime
    scores: dict[str, float] = field(default_factory=dict)
    train_seconds: float | None = None
    valid_seconds: float | None = None
    # Private board: places gained (positive) or lost since the public board.
    move: int | None = None
    failure_kind: str | None = None
    # Fractions of 1 (shown as %), from the event's blend; see server/contributivity.
    contributivity: float | None = None
    historical_contributivity: float | None = None
    # Competition board: "chosen" by the team, or its "best" public submission.
    entry: Literal["chosen", "best"] | None = None


@dataclass
class Leaderboard:
    event_name: str
    kind: Kind
    official_score: str
    columns: list[Column]
    rows: list[Row]
    total: int
    sort: str
    descending: bool
    page: int = 1
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class _CachedBoard:
    checked_at: float
    version: tuple[object, ...]
    rows: list[Row]


_cache: dict[tuple[int, str], _CachedBoard] = {}
_locks: dict[tuple[int, str], threading.Lock] = {}


def private_revealed(*, session: Session, event: Event, user: User | None) -> bool:
    return events_service.phase(event) == "closed" or events_service.can_manage(
        session=session, event=event, user=user
    )


def check_visible(*, session: Session, event: Event, user: User | None, kind: str) -> Kind:
    """`kind` as a board kind, if `user` may see that board of `event` now."""
    if kind not in KINDS:
        raise Invalid(f"Unknown leaderboard {kind!r}; choose one of {', '.join(KINDS)}.")
    if kind == "private" and not private_revealed(session=session, event=event, user=user):
        raise Forbidden(
            f"The private leaderboard is revealed when the event closes, on "
            f"{event.closes_at:%Y-%m-%d %H:%M} UTC."
        )
    return kind  # type: ignore[return-value]


def columns(event: Event) -> list[Column]:
    """The score columns, official first, then the kit's other scores in order."""
    official = events_service.official_score_name(event)
    score_types: list[ProblemScoreType] = sorted(
        event.problem.score_types, key=lambda s: (s.name != official, s.position)
    )
    return [Column(s.name, s.display_precision, s.is_lower_the_better) for s in score_types]


def _ranked(rows: list[Row], official: Column) -> list[Row]:
    def key(row: Row) -> tuple[bool, float]:
        value = row.scores.get(official.name)
        if value is None:
            return (True, 0.0)
        return (False, value if official.lower_is_better else -value)

    ranked = sorted(rows, key=lambda row: (*key(row), row.submitted_at))
    for rank, row in enumerate(ranked, start=1):
        row.rank = rank
    return ranked


def _score_rows(session: Session, event: Event, step: ScoreStep) -> list[Row]:
    scores = repository.bagged_scores(session, event_id=event.id, step=step)
    return [
        Row(
            rank=0,
            submission_id=sid,
            submission_name=name,
            team_name=team,
            submitted_at=created_at,
            scores=scores.get(sid, {}),
            train_seconds=train,
            valid_seconds=valid,
            contributivity=contributivity,
            historical_contributivity=historical,
        )
        for (
            sid,
            name,
            team,
            created_at,
            train,
            valid,
            contributivity,
            historical,
        ) in repository.scored_submissions(session, event_id=event.id)
    ]


def _compute(session: Session, event: Event, kind: Kind) -> list[Row]:
    official = columns(event)[0] if event.problem.score_types else Column("", 4, False)
    if kind == "failed":
        return [
            Row(
                rank=i,
                submission_id=sid,
                submission_name=name,
                team_name=team,
                submitted_at=created_at,
                failure_kind=kind_.value if kind_ else None,
            )
            for i, (sid, name, team, created_at, kind_) in enumerate(
                repository.failed_submissions(session, event_id=event.id), start=1
            )
        ]
    public = _ranked(_score_rows(session, event, ScoreStep.VALID), official)
    if kind == "public":
        return public
    if kind == "competition":
        return _ranked(_competition_entries(session, event, public), official)
    public_rank = {row.submission_id: row.rank for row in public}
    private = _ranked(_score_rows(session, event, ScoreStep.TEST), official)
    for row in private:
        row.move = public_rank.get(row.submission_id, row.rank) - row.rank
    return private


def _competition_entries(session: Session, event: Event, public: list[Row]) -> list[Row]:
    """One row per team: the submission it chose if that one is still scored, its best
    public one otherwise."""
    selected = repository.selected_submissions(session, event_id=event.id)
    entries: dict[str, Row] = {}
    for row in public:  # ranked, so the first row of a team is its best
        if row.submission_id == selected.get(row.team_name):
            entries[row.team_name] = replace(row, entry="chosen")
        elif row.team_name not in entries:
            entries[row.team_name] = replace(row, entry="best")
    return list(entries.values())


def _rows(session: Session, event: Event, kind: Kind, cache_seconds: float) -> list[Row]:
    """The board's rows, recomputed only when the event's submissions have changed.

    Every `cache_seconds` one request checks a cheap version of the data; only if it
    moved does it recompute the board (one request at a time: the others keep serving
    the previous board meanwhile, rather than all recomputing 10,000 rows at once).
    """
    if cache_seconds <= 0:
        return _compute(session, event, kind)
    key = (event.id, kind)
    cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached.checked_at < cache_seconds:
        return cached.rows
    lock = _locks.setdefault(key, threading.Lock())
    if cached is not None and not lock.acquire(blocking=False):
        return cached.rows  # someone is refreshing it: the previous board will do meanwhile
    if cached is None:
        lock.acquire()  # nothing to show yet: wait for whoever is computing it
    try:
        cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached.checked_at < cache_seconds:
            return cached.rows
        checked_at = time.monotonic()
        version = repository.board_version(session, event_id=event.id)
        if cached is None or cached.version != version:
            cached = _CachedBoard(checked_at, version, _compute(session, event, kind))
        _cache[key] = replace(cached, checked_at=checked_at)
        return cached.rows
    finally:
        lock.release()


_rendered: dict[tuple[object, ...], tuple[float, object]] = {}


def rendered(key: tuple[object, ...], cache_seconds: float, produce: Callable[[], T]) -> T:
    """`produce()`, reused for `cache_seconds` under `key` (a serialized page of a board).

    Serializing 100 rows costs more than everything else a leaderboard request does; the
    key must hold everything the output depends on (board, sort, page, what the viewer
    may see).
    """
    if cache_seconds <= 0:
        return produce()
    now = time.monotonic()
    cached = _rendered.get(key)
    if cached is not None and now - cached[0] < cache_seconds:
        return cached[1]  # type: ignore[return-value]
    value = produce()
    if len(_rendered) > 10_000:  # sorts x pages x boards: bounded, crudely
        _rendered.clear()
    _rendered[key] = (now, value)
    return value


def _sorted(
    rows: list[Row], cols: list[Column], sort: str, descending: bool | None
) -> tuple[list[Row], bool]:
    by_column = {column.name: column for column in cols}
    if sort in by_column:
        column = by_column[sort]
        if descending is None:
            descending = not column.lower_is_better  # best first, in the score's direction
        present = [row for row in rows if sort in row.scores]
        missing = [row for row in rows if sort not in row.scores]
        present.sort(key=lambda row: row.scores[sort], reverse=descending)
        return present + missing, descending
    if sort in ("team", "submission"):
        attribute = "team_name" if sort == "team" else "submission_name"
        descending = bool(descending)
        return sorted(rows, key=lambda row: getattr(row, attribute).lower(), reverse=descending), (
            descending
        )
    if sort == "date":
        descending = True if descending is None else descending
        return sorted(rows, key=lambda row: row.submitted_at, reverse=descending), descending
    if sort in ("rank", ""):
        descending = bool(descending)
        return (list(reversed(rows)) if descending else rows), descending
    raise Invalid(f"Cannot sort by {sort!r}.")


def build_leaderboard(
    *,
    session: Session,
    event: Event,
    user: User | None,
    kind: str,
    sort: str = "rank",
    descending: bool | None = None,
    page: int = 1,
    limit: int | None = PAGE_SIZE,
    cache_seconds: float = DEFAULT_CACHE_SECONDS,
) -> Leaderboard:
    """One page of a leaderboard, as `user` may see it."""
    board_kind = check_visible(session=session, event=event, user=user, kind=kind)
    cols = columns(event)
    rows, descending = _sorted(
        _rows(session, event, board_kind, cache_seconds), cols, sort or "rank", descending
    )
    page = max(1, page)
    total = len(rows)
    if limit is not None:
        rows = rows[(page - 1) * limit : page * limit]
    return Leaderboard(
        event_name=event.name,
        kind=board_kind,
        official_score=cols[0].name if cols else "",
        columns=cols,
        rows=rows,
        total=total,
        sort=sort or "rank",
        descending=descending,
        page=page,
        page_size=limit or max(total, 1),
    )
