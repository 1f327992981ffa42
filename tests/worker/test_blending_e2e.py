"""After scoring, the event is blended by the workers, in both modes, with no other step."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server.db import session_scope
from server.models import EventBlend, Submission, SubmissionState
from server.settings import get_settings
from worker.blending_task import embedded_blends
from worker.embedded import start_embedded_worker

from .helpers import STARTING_KIT, create_iris_event, submit, wait_for
from .test_embedded import embedded_db  # noqa: F401  (fixture)

FOREST = {
    "estimator.py": (
        "from sklearn.ensemble import RandomForestClassifier\n\n\n"
        "def get_estimator():\n"
        "    return RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0)\n"
    )
}


def wait_for_blend(
    db: sessionmaker[Session], event_id: int, n_submissions: int, timeout: float = 60
) -> EventBlend:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(db) as session:
            row = session.scalar(select(EventBlend).where(EventBlend.event_id == event_id))
            if row is not None and row.n_submissions == n_submissions:
                return row
        assert time.monotonic() < deadline, f"no blend of {n_submissions} submissions: {row}"
        time.sleep(0.2)


def shares(db: sessionmaker[Session], ids: list[int]) -> list[float]:
    with session_scope(db) as session:
        return [session.get_one(Submission, i, populate_existing=True).contributivity for i in ids]


@pytest.mark.slow
def test_scored_submissions_are_blended_by_the_celery_worker(db, test_redis, start_worker):  # type: ignore[no-untyped-def]
    worker = start_worker(sandbox="bubblewrap")
    event_id = create_iris_event(db)
    ids = [submit(db, event_id), submit(db, event_id, FOREST)]
    wait_for(db, ids, [SubmissionState.SCORED], describe=worker.output)

    row = wait_for_blend(db, event_id, 2)

    assert row.combined_valid_scores["accuracy"] > 0.8
    assert sum(shares(db, ids)) == pytest.approx(1.0)
    assert "ramplab.blend_event" in worker.output()


@pytest.mark.slow
def test_scored_submissions_are_blended_in_embedded_mode(embedded_db) -> None:  # noqa: F811
    db = embedded_db
    event_id = create_iris_event(db)
    ids = [submit(db, event_id, STARTING_KIT), submit(db, event_id, FOREST)]
    worker = start_embedded_worker(get_settings())
    try:
        wait_for(db, ids, [SubmissionState.SCORED], timeout=120)
        row = wait_for_blend(db, event_id, 2)
    finally:
        worker.stop()
        embedded_blends.wait_idle(30)
    assert row.combined_valid_scores["accuracy"] > 0.8
    assert sum(shares(db, ids)) == pytest.approx(1.0)
