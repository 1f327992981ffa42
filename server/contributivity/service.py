"""Contributivity: the event's blend as users see it, and the credit form's rules.

The blend itself runs in a worker (worker/blending_task.py) and stores each submission's
contributivity; historical contributivity is recomputed here, from those values and the
credit links, both by the worker after a blend and by a request that saves a credit
split, so a saved split shows at once without waiting for a worker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from server.contributivity import repository
from server.credit.service import (
    TOTAL_POINTS,
    CreditError,
    historical_contributivity,
    prefill_points,
    validate_points,
)
from server.errors import Forbidden, Invalid, NotFound
from server.events import service as events_service
from server.leaderboards import service as leaderboards_service
from server.models import CodeAccessKind, Event, Submission, User
from server.submissions import service as submissions_service

OWN_WORK = None  # the key of the author's own share in a points mapping


def recompute_historical_contributivity(*, session: Session, event_id: int) -> dict[int, float]:
    """Pass each blended submission's contributivity back along the credit links; store it.

    Only scored, non-excluded submissions take part: a link to one that left the blend
    is ignored (its share stays with the author), so the total is always conserved.
    """
    repository.lock_event(session, event_id=event_id)
    blended = repository.blended_submissions(session, event_id=event_id)
    order = [submission_id for submission_id, _ in blended]
    position = {submission_id: i for i, submission_id in enumerate(order)}
    credits: dict[int, dict[int, float]] = {}
    for submission_id, source_id, weight in repository.credit_links(session, event_id=event_id):
        # Sources are older by construction (checked when saved); a link that is not
        # (timestamps edited by hand) is skipped rather than allowed to fail the blend.
        if (
            submission_id in position
            and position.get(source_id, len(order)) < position[submission_id]
        ):
            credits.setdefault(submission_id, {})[source_id] = weight
    values = historical_contributivity(
        contributivity={submission_id: value for submission_id, value in blended},
        credits=credits,
        order=order,
    )
    repository.set_historical_contributivity(session, event_id=event_id, values=values)
    session.flush()
    return values


# ----- the contributivity page ----------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    submission_id: int
    submission_name: str
    team_name: str
    submitted_at: datetime
    contributivity: float
    historical_contributivity: float
    valid_score: float | None


@dataclass(frozen=True)
class Board:
    event_name: str
    official_score: str
    lower_is_better: bool
    rows: list[BoardRow]
    n_blended: int = 0
    computed_at: datetime | None = None
    combined_valid: dict[str, float] = field(default_factory=dict)
    foldwise_best_valid: dict[str, float] = field(default_factory=dict)
    # Empty unless the private (test) scores are revealed to the viewer.
    combined_test: dict[str, float] = field(default_factory=dict)
    foldwise_best_test: dict[str, float] = field(default_factory=dict)


def contributivity_board(*, session: Session, event: Event, user: User | None) -> Board:
    """Each scored submission's share of the blend, and the blend's scores, as `user` may
    see them (test scores only once the private leaderboard is revealed to them)."""
    official = events_service.official_score_name(event)
    lower_is_better = any(
        s.name == official and s.is_lower_the_better for s in event.problem.score_types
    )
    rows = [
        BoardRow(*row)
        for row in repository.board_rows(session, event_id=event.id, score_name=official)
    ]
    rows.sort(key=lambda r: (-r.contributivity, -r.historical_contributivity, r.submitted_at))
    blend = repository.event_blend(session, event_id=event.id)
    if blend is None:
        return Board(event.name, official, lower_is_better, rows)
    revealed = leaderboards_service.private_revealed(session=session, event=event, user=user)
    foldwise = blend.foldwise_best_scores or {}
    return Board(
        event_name=event.name,
        official_score=official,
        lower_is_better=lower_is_better,
        rows=rows,
        n_blended=blend.n_submissions,
        computed_at=blend.computed_at,
        combined_valid=dict(blend.combined_valid_scores),
        foldwise_best_valid=dict(foldwise.get("valid", {})),
        combined_test=dict(blend.combined_test_scores) if revealed else {},
        foldwise_best_test=dict(foldwise.get("test", {})) if revealed else {},
    )


# ----- the credit form ------------------------------------------------------------------


@dataclass(frozen=True)
class CreditSource:
    submission_id: int
    submission_name: str
    team_name: str
    # "import" when any member imported it, else "view".
    kind: CodeAccessKind


@dataclass(frozen=True)
class CreditForm:
    submission: Submission
    sources: list[CreditSource]
    # Source id -> points; OWN_WORK (None) -> the author's own share.
    points: dict[int | None, float]
    saved: bool  # whether the team has saved a split already


def get_own_submission(*, session: Session, submission_id: int, user: User) -> Submission:
    """The submission, if `user` is on its team: only the team says whom it built on."""
    submission, seen = submissions_service.get_submission(
        session=session, submission_id=submission_id, user=user
    )
    if seen.access != "team":
        raise Forbidden("Only the submission's team can say whose code it built on.")
    return submission


def credit_sources(*, session: Session, submission: Submission) -> list[CreditSource]:
    """What the team viewed or imported that the submission may credit: other teams'
    submissions of the same event, made before it."""
    members = repository.team_member_ids(session, team_id=submission.team_id)
    found: dict[int, CreditSource] = {}
    accessed = repository.accessed_submissions(
        session, team_id=submission.team_id, member_ids=members
    )
    for source, team, kind in accessed:
        if (
            source.event_id != submission.event_id
            or source.team_id == submission.team_id
            or (source.created_at, source.id) >= (submission.created_at, submission.id)
        ):
            continue
        previous = found.get(source.id)
        if previous is None or kind is CodeAccessKind.IMPORT:
            found[source.id] = CreditSource(source.id, source.name, team.name, kind)
    return list(found.values())


def credit_form(*, session: Session, submission: Submission) -> CreditForm:
    """The split saved before, or one pre-filled from what the team imported."""
    sources = credit_sources(session=session, submission=submission)
    saved = repository.credits_of(session, submission_id=submission.id)
    points: dict[int | None, float]
    if saved:
        points = {source: round(weight * TOTAL_POINTS, 2) for source, weight in saved.items()}
        points[OWN_WORK] = round(TOTAL_POINTS - sum(points.values()), 2)
    else:
        imported = [s.submission_id for s in sources if s.kind is CodeAccessKind.IMPORT]
        points = dict(prefill_points(imported=imported))
    for source in sources:
        points.setdefault(source.submission_id, 0)
    return CreditForm(submission, sources, points, saved=bool(saved))


def parse_points(raw: Mapping[int | None, str | float | None]) -> dict[int | None, float]:
    """Form or JSON values to numbers of points: blanks are 0; anything else must be a
    finite, non-negative number (Invalid with a message saying which field is wrong)."""
    points: dict[int | None, float] = {}
    for key, value in raw.items():
        label = "Your own work" if key is OWN_WORK else f"Submission {key}"
        text = "" if value is None else str(value).strip()
        try:
            number = float(text) if text else 0.0
        except ValueError:
            raise Invalid(f"{label}: {text!r} is not a number of points.") from None
        if not math.isfinite(number):
            raise Invalid(f"{label}: {text!r} is not a number of points.")
        if number < 0:
            raise Invalid(f"{label}: points cannot be negative.")
        points[key] = number
    return points


def save_credit(
    *, session: Session, submission: Submission, points: Mapping[int | None, float]
) -> dict[int, float]:
    """Check and save the split (as credit links), then recompute historical contributivity.

    Returns {source id: weight} as saved; raises Invalid when the split is not acceptable.
    """
    allowed = {s.submission_id for s in credit_sources(session=session, submission=submission)}
    unknown = [key for key in points if key is not OWN_WORK and key not in allowed]
    if unknown:
        raise Invalid(
            f"Submission {unknown[0]} cannot be credited: credit goes to other teams' earlier "
            "submissions in this event that your team viewed or imported."
        )
    try:
        weights = validate_points(points, submission_id=submission.id, allowed_sources=allowed)
    except CreditError as error:
        raise Invalid(str(error)) from error
    repository.replace_credits(session, submission_id=submission.id, weights=weights)
    recompute_historical_contributivity(session=session, event_id=submission.event_id)
    return weights


def check_in_event(*, event: Event, submission: Submission) -> None:
    """Refuse a submission addressed under another event's URL."""
    if submission.event_id != event.id:
        raise NotFound("No such submission in this event.")
