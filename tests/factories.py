"""Plain helpers that create valid rows with as few arguments as possible.

Each one fills in unique names and sensible defaults, creates what it depends on when
not given (a submission without a team gets a fresh team in a fresh event), flushes so
that ids are set, and returns the object. Pass any other column as a keyword.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from server.models import (
    Event,
    Problem,
    ProblemScoreType,
    ProblemState,
    ScoreDirection,
    Submission,
    SubmissionFile,
    SubmissionState,
    Team,
    TeamMember,
    User,
    UserRole,
    content_sha256,
    hash_password,
    utcnow,
)

DEFAULT_PASSWORD = "correct horse battery staple"
DEFAULT_SCORE_TYPES: tuple[tuple[str, ScoreDirection], ...] = (
    ("accuracy", ScoreDirection.HIGHER_IS_BETTER),
    ("error", ScoreDirection.LOWER_IS_BETTER),
)
DEFAULT_FILES: Mapping[str, str] = {
    "estimator.py": (
        "from sklearn.dummy import DummyClassifier\n\n\n"
        "def get_estimator():\n    return DummyClassifier()\n"
    )
}

_counter = itertools.count(1)


def unique_name(prefix: str) -> str:
    """`prefix` followed by a number never handed out before in this test run."""
    return f"{prefix}{next(_counter)}"


@lru_cache(maxsize=1)
def _default_password_hash() -> str:
    # argon2 is slow on purpose; hash the common password once per run.
    return hash_password(DEFAULT_PASSWORD)


def create_user(
    session: Session,
    *,
    username: str | None = None,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role: UserRole = UserRole.PARTICIPANT,
    **fields: Any,
) -> User:
    username = username or unique_name("user")
    password_hash = (
        _default_password_hash() if password == DEFAULT_PASSWORD else hash_password(password)
    )
    user = User(
        username=username,
        email=email or f"{username}@example.org",
        password_hash=password_hash,
        role=role,
        **fields,
    )
    session.add(user)
    session.flush()
    return user


def create_problem(
    session: Session,
    *,
    name: str | None = None,
    score_types: Sequence[tuple[str, ScoreDirection]] = DEFAULT_SCORE_TYPES,
    workflow_element_names: Sequence[str] = ("estimator",),
    state: ProblemState = ProblemState.READY,
    **fields: Any,
) -> Problem:
    name = name or unique_name("problem")
    problem = Problem(
        name=name,
        title=fields.pop("title", name.replace("_", " ").title()),
        kit_path=fields.pop("kit_path", f"/kits/{name}"),
        workflow_element_names=list(workflow_element_names),
        state=state,
        score_types=[
            ProblemScoreType(position=position, name=score_name, direction=direction)
            for position, (score_name, direction) in enumerate(score_types)
        ],
        **fields,
    )
    session.add(problem)
    session.flush()
    return problem


def create_event(
    session: Session,
    *,
    problem: Problem | None = None,
    name: str | None = None,
    **fields: Any,
) -> Event:
    """An event on `problem`, open since yesterday and closing in 30 days by default."""
    name = name or unique_name("event")
    now = utcnow()
    event = Event(
        problem=problem or create_problem(session),
        name=name,
        title=fields.pop("title", name.title()),
        opens_at=fields.pop("opens_at", now - timedelta(days=1)),
        closes_at=fields.pop("closes_at", now + timedelta(days=30)),
        **fields,
    )
    session.add(event)
    session.flush()
    return event


def create_team(
    session: Session,
    *,
    event: Event | None = None,
    name: str | None = None,
    members: Iterable[User] = (),
    **fields: Any,
) -> Team:
    """A team in `event` with `members` (none by default)."""
    event = event or create_event(session)
    team = Team(event=event, event_id=event.id, name=name or unique_name("team"), **fields)
    session.add(team)
    session.flush()
    for user in members:
        session.add(TeamMember(team=team, user=user))
    session.flush()
    return team


def create_submission(
    session: Session,
    *,
    event: Event | None = None,
    team: Team | None = None,
    submitted_by: User | None = None,
    name: str | None = None,
    files: Mapping[str, str | bytes] = DEFAULT_FILES,
    state: SubmissionState = SubmissionState.NEW,
    **fields: Any,
) -> Submission:
    """A submission of `files` by `team` (a new team in `event` when not given)."""
    team = team or create_team(session, event=event)
    encoded = {
        file_name: content.encode() if isinstance(content, str) else content
        for file_name, content in files.items()
    }
    submission = Submission(
        team=team,
        event_id=team.event_id,
        submitted_by=submitted_by,
        name=name or unique_name("submission"),
        content_sha256=content_sha256(encoded.items()),
        state=state,
        files=[SubmissionFile.from_bytes(file_name, data) for file_name, data in encoded.items()],
        **fields,
    )
    session.add(submission)
    session.flush()
    return submission
