"""Web-app fixtures: an app on the rolled-back test database, and signed-in clients.

`client` is anonymous; `login(client, user)` signs it in through the real form, and
`api_headers(session, user)` gives bearer-token headers for the JSON API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from server.accounts.mailer import RecordingMailer
from server.app import create_app
from server.db import get_session, session_scope
from server.models import User
from server.settings import Settings
from server.submissions.queue import RecordingQueue
from tests.factories import DEFAULT_PASSWORD

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=postgres_url, secret_key="test-secret")


@pytest.fixture
def task_queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


def make_test_app(
    settings: Settings,
    session_factory: sessionmaker[Session],
    task_queue: RecordingQueue,
    mailer: RecordingMailer,
    **options: float,
) -> FastAPI:
    """The app on the test's database session, boards uncached; `options` go to create_app."""
    app = create_app(
        settings,
        task_queue=task_queue,
        mailer=mailer,
        leaderboard_cache_seconds=0,
        tune_gc=False,
        **options,
    )

    def test_session() -> Iterator[Session]:
        with session_scope(session_factory) as session:
            yield session

    app.dependency_overrides[get_session] = test_session
    return app


@pytest.fixture
def app(
    settings: Settings,
    session_factory: sessionmaker[Session],
    task_queue: RecordingQueue,
    mailer: RecordingMailer,
) -> FastAPI:
    return make_test_app(settings, session_factory, task_queue, mailer)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def make_client(app: FastAPI) -> Iterator[Callable[[], TestClient]]:
    """More anonymous clients (each with its own cookies), for tests with several users."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, follow_redirects=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a form page."""
    match = CSRF_PATTERN.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, user: User, password: str = DEFAULT_PASSWORD) -> TestClient:
    response = client.post(
        "/login",
        data={"login": user.username, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303, response.text
    return client


def post_form(client: TestClient, path: str, data: dict[str, str] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    """POST a form the way the browser does: with the session's CSRF token."""
    token = csrf_token(client)
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)  # type: ignore[arg-type]


def api_headers(session: Session, user: User) -> dict[str, str]:
    token = user.issue_api_token()
    session.flush()
    return {"Authorization": f"Bearer {token}"}


IRIS_KIT = Path(__file__).resolve().parents[2] / "problems" / "iris"


def iris_problem(session: Session):  # type: ignore[no-untyped-def]
    """A problem pointing at the bundled iris kit (so starting-kit files exist)."""
    from server.models import ScoreDirection
    from tests.factories import create_problem

    return create_problem(
        session,
        kit_path=str(IRIS_KIT),
        score_types=[
            ("accuracy", ScoreDirection.HIGHER_IS_BETTER),
            ("error", ScoreDirection.LOWER_IS_BETTER),
        ],
    )


def join(session: Session, event, user: User):  # type: ignore[no-untyped-def]
    """Register `user` to `event` (approved) with a one-person team; return the team."""
    from server.events import service as events_service
    from server.teams import repository as teams_repository

    events_service.join_event(session=session, event=event, user=user)
    return teams_repository.team_of_user(session, event_id=event.id, user_id=user.id)


def score(
    session: Session,
    submission,  # type: ignore[no-untyped-def]
    *,
    valid: dict[str, float],
    test: dict[str, float] | None = None,
    folds: int = 2,
) -> None:
    """Mark `submission` scored with these bagged scores (what a worker would store)."""
    from server.models import BaggedScore, ScoreStep, SubmissionFoldResult, SubmissionState, utcnow

    submission.state = SubmissionState.SCORED
    submission.finished_at = utcnow()
    for step, scores in ((ScoreStep.VALID, valid), (ScoreStep.TEST, test or valid)):
        for name, value in scores.items():
            session.add(
                BaggedScore(
                    submission_id=submission.id,
                    step=step,
                    score_name=name,
                    value=value,
                    n_folds=folds,
                )
            )
    for fold in range(folds):
        session.add(
            SubmissionFoldResult(
                submission_id=submission.id,
                fold_index=fold,
                train_scores=valid,
                valid_scores=valid,
                test_scores=test or valid,
                train_seconds=0.5,
                valid_seconds=0.1,
                test_seconds=0.1,
            )
        )
    session.flush()
