"""Workers and brokers fail; submissions still end scored exactly once.

- a worker SIGKILLed mid-run: the sweep of the next worker notices the stale heartbeat,
  queues the submission again and it is scored once (one set of fold results);
- the broker restarted with submissions queued (a private redis-server, never the
  shared one): the sweep re-sends the lost messages and every submission completes;
- a running submission cancelled by its team: the sandbox is killed at the next
  heartbeat and the submission stays cancelled, with nothing stored.
"""

from __future__ import annotations

import textwrap
import time

import pytest

from server.db import session_scope
from server.models import FailureKind, SubmissionState
from worker.queueing import cancel_submission

from .helpers import STARTING_KIT, create_iris_event, finished, fold_result_count, submit, wait_for

SLOW_FIT = {
    "estimator.py": textwrap.dedent("""
        import time
        from sklearn.linear_model import LogisticRegression

        class Slow(LogisticRegression):
            def fit(self, X, y):
                time.sleep(SECONDS)
                return super().fit(X, y)

        def get_estimator():
            return Slow(max_iter=1000)
    """)
}


def slow(seconds_per_fold: float) -> dict[str, str]:
    return {"estimator.py": SLOW_FIT["estimator.py"].replace("SECONDS", str(seconds_per_fold))}


@pytest.mark.slow
def test_a_killed_worker_s_submission_is_scored_exactly_once(db, test_redis, start_worker):
    first = start_worker(sandbox="bubblewrap")
    event_id = create_iris_event(db)
    submission_id = submit(db, event_id, slow(1.0))
    wait_for(db, [submission_id], [SubmissionState.RUNNING], describe=first.output)
    time.sleep(1.5)  # well into the folds

    first.kill()
    second = start_worker(sandbox="bubblewrap")

    [row] = wait_for(
        db, [submission_id], [SubmissionState.SCORED], timeout=120, describe=second.output
    )
    assert row.attempts == 2
    assert fold_result_count(db, submission_id) == 8


@pytest.mark.slow
def test_queued_submissions_survive_a_broker_restart(db, private_redis, start_worker):
    worker = start_worker(sandbox="bubblewrap", broker_url=private_redis.url)
    event_id = create_iris_event(db)
    # One slow submission occupies the worker; the others wait in Redis meanwhile.
    ids = [submit(db, event_id, slow(0.5)), submit(db, event_id), submit(db, event_id)]
    wait_for(db, ids[:1], [SubmissionState.RUNNING], describe=worker.output)

    private_redis.stop()  # the queued messages are lost with it
    time.sleep(1)
    private_redis.start()

    rows = finished(db, ids, timeout=180, describe=worker.output)
    assert [row.state for row in rows] == [SubmissionState.SCORED] * 3
    assert [fold_result_count(db, i) for i in ids] == [8, 8, 8]
    assert worker.alive


@pytest.mark.slow
def test_cancelling_a_running_submission_kills_its_sandbox(db, test_redis, start_worker):
    worker = start_worker(sandbox="bubblewrap")
    event_id = create_iris_event(db)
    submission_id = submit(db, event_id, slow(100))
    wait_for(db, [submission_id], [SubmissionState.RUNNING], describe=worker.output)

    with session_scope(db) as session:
        assert cancel_submission(session=session, submission_id=submission_id)
    cancelled_at = time.monotonic()
    # The worker is free again once the sandbox is gone: the next submission runs.
    next_id = submit(db, event_id, STARTING_KIT)
    wait_for(db, [next_id], [SubmissionState.RUNNING, SubmissionState.SCORED],
             timeout=30, describe=worker.output)  # fmt: skip
    assert time.monotonic() - cancelled_at < 15

    [row] = finished(db, [submission_id])
    assert row.state is SubmissionState.CANCELLED
    assert row.failure_kind is FailureKind.CANCELLED
    assert fold_result_count(db, submission_id) == 0
    finished(db, [next_id], describe=worker.output)
