"""Blending an event after scoring: what is blended, what is stored, and coalescing.

The fold predictions are real: iris submissions run once per test session by the local
engine, saved in the layout the pipeline stores (`<event>/<submission>/fold_<i>/...`).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from problems.kit import Kit, load_kit
from problems.kit.blending import BlendResult, SubmissionOutput, blend
from problems.kit.engine import KitData, load_kit_data, run_submission_locally
from problems.kit.engine.scoring import SubmissionScores
from problems.kit.engine.train import FoldPredictions
from server.db import session_scope
from server.models import (
    Event,
    EventBlend,
    FailureKind,
    Submission,
    SubmissionCredit,
    SubmissionState,
)
from server.settings import get_settings
from tests.factories import create_event, create_problem, create_submission
from worker import blending_task
from worker.blending_task import RedisCoalescer, ThreadCoalescer, request_blend, run_blend
from worker.pipeline import store

from .helpers import IRIS, IRIS_SCORE_TYPES

BLEND_REDIS_URL = os.environ.get("RAMPLAB_TEST_BLEND_REDIS_URL", "redis://127.0.0.1:6379/11")
EXTRA_SUBMISSIONS = {
    "knn": (
        "from sklearn.neighbors import KNeighborsClassifier\n\n\n"
        "def get_estimator():\n    return KNeighborsClassifier(n_neighbors=15)\n"
    ),
    "naive_bayes": (
        "from sklearn.naive_bayes import GaussianNB\n\n\n"
        "def get_estimator():\n    return GaussianNB()\n"
    ),
}


@dataclass(frozen=True)
class Scored:
    """One submission run by the engine: its scores, predictions and saved outputs."""

    scores: SubmissionScores
    predictions: list[FoldPredictions]
    output_dir: Path


@dataclass(frozen=True)
class IrisRuns:
    kit: Kit
    data: KitData
    runs: dict[str, Scored]


@pytest.fixture(scope="session")
def iris_runs(tmp_path_factory: pytest.TempPathFactory) -> IrisRuns:
    """Four iris submissions trained and scored on the kit's 8 folds, once per session."""
    root = tmp_path_factory.mktemp("iris_runs")
    kit = load_kit(IRIS)
    data = load_kit_data(kit)
    folders = {name: IRIS / "submissions" / name for name in ("starting_kit", "random_forest")}
    for name, code in EXTRA_SUBMISSIONS.items():
        folders[name] = root / "code" / name
        folders[name].mkdir(parents=True)
        (folders[name] / "estimator.py").write_text(code)
    runs = {}
    for name, folder in folders.items():
        scores, predictions = run_submission_locally(kit, folder, data, n_jobs=1)
        output = store.stage_predictions(root / "outputs" / name, scores, list(predictions))
        runs[name] = Scored(scores, list(predictions), output)
    return IrisRuns(kit, data, runs)


def add_scored(
    session: Session,
    event: Event,
    run: Scored,
    predictions_dir: Path,
    **fields: Any,
) -> Submission:
    """A submission whose fold results and prediction files are what the pipeline stores."""
    submission = create_submission(session, event=event, state=SubmissionState.SCORED, **fields)
    target = store.predictions_folder(predictions_dir, event.id, submission.id)
    shutil.copytree(run.output_dir, target)
    store.add_score_rows(
        session,
        submission_id=submission.id,
        scores=run.scores,
        relative_folder=str(target.relative_to(predictions_dir)),
    )
    session.flush()
    return submission


def iris_event(session: Session, **fields: Any) -> Event:
    problem = create_problem(session, kit_path=str(IRIS), score_types=IRIS_SCORE_TYPES)
    return create_event(session, problem=problem, **fields)


def offline_blend(iris: IrisRuns, named: dict[int, str], score_type_index: int = 0) -> BlendResult:
    """`problems.kit.blending.blend` on the engine's in-memory arrays, in id order."""
    folds = iris.data.folds
    outputs = [
        SubmissionOutput(
            name=str(submission_id),
            valid=[
                p.y_pred_train[valid_is]
                for p, (_, valid_is) in zip(iris.runs[name].predictions, folds)
            ],
            test=[np.asarray(p.y_pred_test) for p in iris.runs[name].predictions],
        )
        for submission_id, name in sorted(named.items())
    ]
    return blend(
        outputs,
        Predictions=iris.kit.Predictions,
        score_types=iris.kit.score_types,
        y_train=iris.data.y_train,
        valid_indices=[valid_is for _, valid_is in folds],
        y_test=iris.data.y_test,
        score_type_index=score_type_index,
    )


def contributivities(session: Session, event_id: int) -> dict[int, tuple[float, float]]:
    rows = session.execute(
        select(Submission.id, Submission.contributivity, Submission.historical_contributivity)
        .where(Submission.event_id == event_id)
        .execution_options(populate_existing=True)
    )
    return {sid: (contributivity, historical) for sid, contributivity, historical in rows}


@pytest.fixture(autouse=True)
def _no_cached_blenders() -> Iterator[None]:
    blending_task.forget_blenders()
    yield
    blending_task.forget_blenders()


def test_blend_stores_scores_and_shares_of_scored_submissions_only(
    session: Session, session_factory: sessionmaker[Session], iris_runs: IrisRuns, tmp_path: Path
) -> None:
    event = iris_event(session)
    predictions = tmp_path / "predictions"
    best = iris_runs.runs["random_forest"]
    # Out of the blend, though their prediction files are the best there are: if they
    # were blended, they would take the random forest's place (same arrays, lower ids).
    failed = add_scored(session, event, best, predictions)
    failed.state, failed.failure_kind = SubmissionState.FAILED, FailureKind.TRAINING_ERROR
    cancelled = add_scored(session, event, best, predictions)
    cancelled.state, cancelled.failure_kind = SubmissionState.CANCELLED, FailureKind.CANCELLED
    # Excluded by the organisers after an earlier blend gave it a share: that must go.
    excluded = add_scored(
        session, event, best, predictions, is_excluded=True, contributivity=0.4,
        historical_contributivity=0.4,
    )  # fmt: skip
    named = {}
    for name in ("starting_kit", "random_forest", "knn", "naive_bayes"):
        named[add_scored(session, event, iris_runs.runs[name], predictions).id] = name
    session.commit()

    result = run_blend(event.id, factory=session_factory, predictions_dir=predictions)

    assert result is not None
    shares = contributivities(session, event.id)
    blended = {sid: shares[sid][0] for sid in named}
    assert sum(blended.values()) == pytest.approx(1.0)
    assert all(share >= 0 for share in blended.values())
    assert shares[failed.id] == shares[cancelled.id] == shares[excluded.id] == (0.0, 0.0)
    # Without credit links, historical contributivity is the contributivity.
    assert {sid: shares[sid][1] for sid in named} == pytest.approx(blended)

    row = session.scalar(select(EventBlend).where(EventBlend.event_id == event.id))
    assert row is not None and row.n_submissions == 4
    best_single = max(
        iris_runs.runs[name].scores.bagged.valid["accuracy"] for name in named.values()
    )
    assert row.combined_valid_scores["accuracy"] >= best_single
    assert set(row.combined_test_scores) == {"accuracy", "error", "nll", "f1_70"}
    assert set(row.foldwise_best_scores) == {"valid", "test"}

    offline = offline_blend(iris_runs, named)
    assert blended == pytest.approx({int(k): v for k, v in offline.contributivity.items()})
    assert row.combined_valid_scores == pytest.approx(offline.combined["valid"])
    assert row.combined_test_scores == pytest.approx(offline.combined["test"])
    assert row.foldwise_best_scores["valid"] == pytest.approx(offline.foldwise_best["valid"])


def test_blend_follows_the_official_score_in_its_direction(
    session: Session, session_factory: sessionmaker[Session], iris_runs: IrisRuns, tmp_path: Path
) -> None:
    # nll: lower is better, and the event makes it official instead of the kit's first.
    event = iris_event(session, official_score_name="nll")
    predictions = tmp_path / "predictions"
    named = {
        add_scored(session, event, iris_runs.runs[name], predictions).id: name
        for name in ("starting_kit", "knn", "naive_bayes")
    }
    session.commit()

    run_blend(event.id, factory=session_factory, predictions_dir=predictions)

    row = session.scalar(select(EventBlend).where(EventBlend.event_id == event.id))
    assert row is not None
    best_single = min(iris_runs.runs[name].scores.bagged.valid["nll"] for name in named.values())
    assert row.combined_valid_scores["nll"] <= best_single
    offline = offline_blend(iris_runs, named, score_type_index=2)
    assert row.combined_valid_scores == pytest.approx(offline.combined["valid"])
    shares = contributivities(session, event.id)
    assert {sid: shares[sid][0] for sid in named} == pytest.approx(
        {int(k): v for k, v in offline.contributivity.items()}
    )


def test_a_new_submission_extends_the_cached_blender_and_an_exclusion_rebuilds_it(
    session: Session, session_factory: sessionmaker[Session], iris_runs: IrisRuns, tmp_path: Path
) -> None:
    event = iris_event(session)
    predictions = tmp_path / "predictions"
    named = {
        add_scored(session, event, iris_runs.runs[name], predictions).id: name
        for name in ("starting_kit", "knn")
    }
    session.commit()
    run_blend(event.id, factory=session_factory, predictions_dir=predictions)
    first = blending_task._blenders[event.id].blender

    newest = add_scored(session, event, iris_runs.runs["random_forest"], predictions)
    named[newest.id] = "random_forest"
    session.commit()
    result = run_blend(event.id, factory=session_factory, predictions_dir=predictions)

    assert blending_task._blenders[event.id].blender is first  # extended, not rebuilt
    assert result is not None
    assert result.contributivity == pytest.approx(offline_blend(iris_runs, named).contributivity)

    excluded = next(sid for sid, name in named.items() if name == "knn")
    session.get_one(Submission, excluded).is_excluded = True
    session.commit()
    result = run_blend(event.id, factory=session_factory, predictions_dir=predictions)

    assert blending_task._blenders[event.id].blender is not first
    del named[excluded]
    assert result is not None
    assert result.contributivity == pytest.approx(offline_blend(iris_runs, named).contributivity)
    assert contributivities(session, event.id)[excluded] == (0.0, 0.0)


def test_historical_contributivity_flows_back_along_credit_links(
    session: Session, session_factory: sessionmaker[Session], iris_runs: IrisRuns, tmp_path: Path
) -> None:
    event = iris_event(session)
    predictions = tmp_path / "predictions"
    older = add_scored(session, event, iris_runs.runs["naive_bayes"], predictions)
    newer = add_scored(session, event, iris_runs.runs["random_forest"], predictions)
    session.add(SubmissionCredit(submission_id=newer.id, source_submission_id=older.id, weight=0.5))
    session.commit()

    run_blend(event.id, factory=session_factory, predictions_dir=predictions)

    shares = contributivities(session, event.id)
    (older_c, older_h), (newer_c, newer_h) = shares[older.id], shares[newer.id]
    assert newer_c > 0
    assert older_h == pytest.approx(older_c + newer_c / 2)
    assert newer_h == pytest.approx(newer_c / 2)
    assert older_h + newer_h == pytest.approx(older_c + newer_c) == pytest.approx(1.0)


def test_a_submission_whose_predictions_are_gone_is_left_out_not_fatal(
    session: Session, session_factory: sessionmaker[Session], iris_runs: IrisRuns, tmp_path: Path
) -> None:
    event = iris_event(session)
    predictions = tmp_path / "predictions"
    kept = add_scored(session, event, iris_runs.runs["knn"], predictions)
    broken = add_scored(session, event, iris_runs.runs["random_forest"], predictions)
    folder = store.predictions_folder(predictions, event.id, broken.id)
    (folder / "fold_3" / "y_pred_train.npz").unlink()
    session.commit()

    run_blend(event.id, factory=session_factory, predictions_dir=predictions)

    shares = contributivities(session, event.id)
    assert shares[kept.id] == pytest.approx((1.0, 1.0))
    assert shares[broken.id] == (0.0, 0.0)


def test_an_event_with_nothing_scored_blends_to_nothing(
    session: Session, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    event = iris_event(session)
    create_submission(session, event=event, state=SubmissionState.QUEUED)
    session.commit()

    assert run_blend(event.id, factory=session_factory, predictions_dir=tmp_path) is None

    row = session.scalar(select(EventBlend).where(EventBlend.event_id == event.id))
    assert row is not None and row.n_submissions == 0 and row.combined_valid_scores == {}


# ----- coalescing ----------------------------------------------------------------------


class SlowBlend:
    """A blend that holds its first run until released, and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, event_id: int) -> None:
        self.runs += 1
        self.started.set()
        assert self.release.wait(10), "the test never released the blend"


@pytest.fixture
def blend_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(BLEND_REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {BLEND_REDIS_URL}: {error}", pytrace=False)
    yield client
    client.close()


def test_requests_during_a_redis_coordinated_run_make_exactly_one_more_run(
    blend_redis: redis.Redis,
) -> None:
    sent: list[tuple[int, str]] = []
    prefix = f"test-{uuid.uuid4().hex}"
    coalescer = RedisCoalescer(blend_redis, send=lambda e, t: sent.append((e, t)), prefix=prefix)
    try:
        assert coalescer.request(7) is True
        assert coalescer.request(7) is False  # pending: folded into the task already sent
        assert len(sent) == 1
        slow = SlowBlend()
        outcome: list[int] = []
        runner = threading.Thread(target=lambda: outcome.append(coalescer.run(7, sent[0][1], slow)))
        runner.start()
        assert slow.started.wait(10)

        assert coalescer.request(7) is False
        assert coalescer.request(7) is False
        assert coalescer.request(8) is True  # another event is not held up
        slow.release.set()
        runner.join(10)

        assert outcome == [2] and slow.runs == 2
        assert [event for event, _ in sent] == [7, 8]
        # Idle again: the next request sends a task of its own.
        assert coalescer.request(7) is True
        assert len(sent) == 3
    finally:
        for key in blend_redis.scan_iter(f"{prefix}:*"):
            blend_redis.delete(key)


def test_a_stale_or_duplicate_task_does_not_blend_while_the_claim_is_held(
    blend_redis: redis.Redis,
) -> None:
    sent: list[tuple[int, str]] = []
    prefix = f"test-{uuid.uuid4().hex}"
    coalescer = RedisCoalescer(blend_redis, send=lambda e, t: sent.append((e, t)), prefix=prefix)
    try:
        coalescer.request(3)
        runs: list[int] = []
        assert coalescer.run(3, "someone-else", runs.append) == 0
        assert coalescer.run(3, sent[0][1], runs.append) == 1
        assert runs == [3]
    finally:
        for key in blend_redis.scan_iter(f"{prefix}:*"):
            blend_redis.delete(key)


def test_a_task_that_could_not_be_sent_does_not_hold_the_event(blend_redis: redis.Redis) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    sent: list[int] = []

    def broker_down(event_id: int, token: str) -> None:
        raise ConnectionError("broker down")

    try:
        with pytest.raises(ConnectionError):
            RedisCoalescer(blend_redis, send=broker_down, prefix=prefix).request(4)
        working = RedisCoalescer(blend_redis, send=lambda e, t: sent.append(e), prefix=prefix)
        assert working.request(4) is True
        assert sent == [4]
    finally:
        for key in blend_redis.scan_iter(f"{prefix}:*"):
            blend_redis.delete(key)


def test_requests_during_an_embedded_run_make_exactly_one_more_run() -> None:
    coalescer = ThreadCoalescer()
    slow = SlowBlend()

    assert coalescer.request(5, slow) is True
    assert slow.started.wait(10)
    assert coalescer.request(5, slow) is False
    assert coalescer.request(5, slow) is False
    slow.release.set()

    assert coalescer.wait_idle(10)
    assert slow.runs == 2
    assert coalescer.request(5, slow) is True
    assert coalescer.wait_idle(10)
    assert slow.runs == 3


def test_a_failing_blend_does_not_wedge_the_event() -> None:
    coalescer = ThreadCoalescer()
    calls: list[int] = []

    def broken(event_id: int) -> None:
        calls.append(event_id)
        raise RuntimeError("kit broke")

    assert coalescer.request(9, broken) is True
    assert coalescer.wait_idle(10)
    assert coalescer.request(9, broken) is True
    assert coalescer.wait_idle(10)
    assert calls == [9, 9]


def test_request_blend_through_the_broker_then_the_task_stores_the_blend(
    iris_runs: IrisRuns,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker_db_engine: Any,
    blend_redis: redis.Redis,
) -> None:
    """The production path without a worker process: the request leaves one message
    and one claim in Redis; the task run with that claim blends and stores."""
    from server.db import make_sessionmaker

    monkeypatch.setenv("RAMPLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAMPLAB_DATABASE_URL", worker_db_engine.url.render_as_string(False))
    monkeypatch.setenv("RAMPLAB_BROKER_URL", BLEND_REDIS_URL)
    get_settings.cache_clear()
    blend_redis.flushdb()  # our own database number: only blend tests use it
    db = make_sessionmaker(worker_db_engine)
    with session_scope(db) as session:
        event = iris_event(session)
        ids = [
            add_scored(session, event, iris_runs.runs[name], get_settings().predictions_dir).id
            for name in ("starting_kit", "random_forest")
        ]
        event_id = event.id
    try:
        assert request_blend(event_id) is True
        assert request_blend(event_id) is False
        token = blend_redis.get(f"ramplab:blend:{event_id}:pending")
        assert isinstance(token, bytes)
        assert blend_redis.llen("cpu") == 1  # one task message, not two

        assert blending_task.blend_event(event_id, token.decode()) == 1

        with session_scope(db) as session:
            shares = [session.get_one(Submission, sid).contributivity for sid in ids]
            row = session.scalar(select(EventBlend).where(EventBlend.event_id == event_id))
            assert row is not None and row.n_submissions == 2
        assert sum(shares) == pytest.approx(1.0)
        assert blend_redis.get(f"ramplab:blend:{event_id}:pending") is None
    finally:
        blend_redis.flushdb()
        get_settings.cache_clear()


def test_request_blend_in_embedded_mode_blends_in_the_background(
    session: Session, session_factory: sessionmaker[Session], iris_runs: IrisRuns
) -> None:
    assert get_settings().embedded
    event = iris_event(session)
    ids = [
        add_scored(session, event, iris_runs.runs[name], get_settings().predictions_dir).id
        for name in ("knn", "naive_bayes")
    ]
    session.commit()

    assert request_blend(event.id, factory=session_factory) is True
    deadline = time.monotonic() + 60
    assert blending_task.embedded_blends.wait_idle(max(0.0, deadline - time.monotonic()))

    shares = contributivities(session, event.id)
    assert sum(shares[sid][0] for sid in ids) == pytest.approx(1.0)
