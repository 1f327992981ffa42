"""Embedded mode: no broker, a SQLite file, an in-process worker; restarts lose nothing."""

from __future__ import annotations

import pytest

from server.db import create_engine, make_sessionmaker, upgrade_database
from server.models import SubmissionState
from server.settings import get_settings
from worker.embedded import start_embedded_worker

from .conftest import FAST_WORKER_ENV, _clear_caches
from .helpers import create_iris_event, fold_result_count, submit, wait_for
from .test_reliability import slow


@pytest.fixture
def embedded_db(tmp_path, monkeypatch):
    """A migrated SQLite database under a fresh RAMPLAB_HOME, and no broker."""
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'ramplab.db'}"
    env = {**FAST_WORKER_ENV, "RAMPLAB_HOME": str(home), "RAMPLAB_DATABASE_URL": url,
           "RAMPLAB_SANDBOX": "bubblewrap"}  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("RAMPLAB_BROKER_URL", raising=False)
    _clear_caches()
    upgrade_database(url)
    engine = create_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.mark.slow
def test_queued_work_survives_a_restart_of_the_embedded_worker(embedded_db):
    db = embedded_db
    assert get_settings().embedded
    event_id = create_iris_event(db)
    # Queued before any worker runs: the database holds the queue.
    slow_id = submit(db, event_id, slow(1.0))
    quick_id = submit(db, event_id)

    worker = start_embedded_worker(get_settings())
    try:
        wait_for(db, [slow_id], [SubmissionState.RUNNING])
    finally:
        worker.stop()  # `ramplab serve` shutting down mid-job
    # Stopped and put back in the queue, not lost nor left "running".
    wait_for(db, [slow_id, quick_id], [SubmissionState.QUEUED], timeout=30)

    worker = start_embedded_worker(get_settings())
    try:
        rows = wait_for(db, [slow_id, quick_id], [SubmissionState.SCORED], timeout=120)
    finally:
        worker.stop()
    assert [row.worker_id.startswith("embedded@") for row in rows] == [True, True]
    assert fold_result_count(db, slow_id) == 8
    assert fold_result_count(db, quick_id) == 8
