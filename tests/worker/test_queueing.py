"""Queueing rules, checked in this process against the database and the broker.

- idempotency: a task delivered again for a finished (or running) submission does nothing;
- GPU routing: a GPU event's task goes to the `gpu` queue, which cpu workers never read;
- platform errors are retried with backoff, then failed without charging the quota;
- the sweep: stale running work is re-queued or abandoned, overdue work timed out, and
  queued work re-sent.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from server.db import session_scope
from server.models import Event, FailureKind, SubmissionState, utcnow
from tests.factories import create_submission
from worker.pipeline import Result, process_submission
from worker.queueing import enqueue_submission
from worker.sandbox import SandboxError
from worker.sweep import Sweeper
from worker.task_names import CPU_QUEUE, GPU_QUEUE
from worker.tasks import score_submission

from .helpers import create_iris_event, read, submit, wait_for


def make_submission(db, event_id: int, **fields) -> int:
    with session_scope(db) as session:
        event = session.get_one(Event, event_id)
        return create_submission(session, event=event, **fields).id


@pytest.mark.parametrize("state", [SubmissionState.SCORED, SubmissionState.FAILED,
                                   SubmissionState.CANCELLED, SubmissionState.RUNNING])  # fmt: skip
def test_a_redelivered_task_does_nothing(db, worker_env, state):
    event_id = create_iris_event(db)
    fields = {"failure_kind": FailureKind.TRAINING_ERROR} if state is SubmissionState.FAILED else {}
    submission_id = make_submission(db, event_id, state=state, attempts=1, **fields)
    before = read(db, submission_id)

    assert score_submission(submission_id) == "skipped"

    after = read(db, submission_id)
    assert (after.state, after.attempts, after.updated_at) == (
        before.state, before.attempts, before.updated_at,
    )  # fmt: skip


@pytest.mark.slow
def test_a_gpu_event_s_task_goes_to_the_gpu_queue(db, worker_env, test_redis, start_worker):
    cpu_event = create_iris_event(db)
    gpu_event = create_iris_event(db, gpus=1, time_limit_seconds=600)
    gpu_id = submit(db, gpu_event)
    cpu_id = make_submission(db, cpu_event)

    assert test_redis.llen(GPU_QUEUE) == 1
    assert test_redis.llen(CPU_QUEUE) == 0
    message = json.loads(test_redis.lindex(GPU_QUEUE, 0))
    headers = message["headers"]
    assert headers["task"] == "ramplab.score_submission"
    assert headers["argsrepr"] == f"({gpu_id},)"
    # Celery's [hard, soft] limits: above the event's 600 s, hard above soft.
    hard, soft = headers["timelimit"]
    assert 600 < soft < hard

    # A cpu worker leaves it alone, and takes cpu work meanwhile.
    worker = start_worker(sandbox="bubblewrap", queues=CPU_QUEUE)
    with session_scope(db) as session:
        enqueue_submission(session, cpu_id)
    wait_for(db, [cpu_id], [SubmissionState.SCORED], describe=worker.output)
    assert read(db, gpu_id).state is SubmissionState.QUEUED
    # Still there (the sweep may have re-sent it meanwhile: a harmless duplicate).
    waiting = [json.loads(m)["headers"]["argsrepr"] for m in test_redis.lrange(GPU_QUEUE, 0, -1)]
    assert waiting and set(waiting) == {f"({gpu_id},)"}


class BrokenSandbox:
    name = "broken"
    python = "/usr/bin/python3"

    def run(self, spec, *, cancel=None):
        raise SandboxError("the daemon is gone")

    def start(self, spec):
        raise SandboxError("the daemon is gone")


def test_platform_errors_are_retried_then_not_charged(db, worker_env, monkeypatch):
    monkeypatch.setattr("worker.pipeline.process.worker_sandbox", lambda: BrokenSandbox())
    event_id = create_iris_event(db)
    submission_id = make_submission(db, event_id, state=SubmissionState.QUEUED,
                                    queued_at=utcnow())  # fmt: skip

    reports = []
    for _ in range(3):  # settings.max_attempts
        reports.append(process_submission(submission_id, worker_id="test"))
        row = read(db, submission_id)
        if row.state is SubmissionState.QUEUED:
            # Backoff: ready again a little later, not at once.
            assert row.queued_at > utcnow() - timedelta(seconds=0.1)
    assert [r.result for r in reports] == [Result.RETRY, Result.RETRY, Result.FAILED]
    assert reports[1].retry_in > reports[0].retry_in
    row = read(db, submission_id)
    assert row.failure_kind is FailureKind.PLATFORM_ERROR
    assert "the daemon is gone" in row.failure_log
    assert row.attempts == 3
    assert not row.charged_to_quota


def test_the_sweep_repairs_what_dead_workers_and_brokers_left(db, worker_env):
    event_id = create_iris_event(db, time_limit_seconds=60)
    long_ago = utcnow() - timedelta(hours=1)
    recently = utcnow() - timedelta(seconds=1)
    running = {"state": SubmissionState.RUNNING, "worker_id": "dead@host:1"}
    dead = make_submission(db, event_id, started_at=recently, heartbeat_at=utcnow()
                           - timedelta(seconds=30), attempts=1, **running)  # fmt: skip
    dead_again = make_submission(db, event_id, started_at=recently, heartbeat_at=long_ago,
                                 attempts=3, **running)  # fmt: skip
    overdue = make_submission(db, event_id, started_at=long_ago, heartbeat_at=utcnow(),
                              attempts=1, **running)  # fmt: skip
    alive = make_submission(db, event_id, started_at=recently, heartbeat_at=utcnow(),
                            attempts=1, **running)  # fmt: skip
    lost = make_submission(db, event_id, state=SubmissionState.QUEUED, queued_at=long_ago)
    fresh = make_submission(db, event_id, state=SubmissionState.QUEUED, queued_at=utcnow())
    sent: list[int] = []
    sweeper = Sweeper(resend=lambda session, submission_id: sent.append(submission_id))

    report = sweeper.sweep()

    assert report.requeued == [dead]
    assert report.abandoned == [dead_again]
    assert report.timed_out == [overdue]
    assert set(sent) == {dead, lost}
    assert read(db, dead).state is SubmissionState.QUEUED
    assert read(db, alive).state is SubmissionState.RUNNING
    assert read(db, fresh).state is SubmissionState.QUEUED
    abandoned = read(db, dead_again)
    assert (abandoned.state, abandoned.failure_kind) == (
        SubmissionState.FAILED, FailureKind.PLATFORM_ERROR,
    )  # fmt: skip
    assert not abandoned.charged_to_quota
    timed_out = read(db, overdue)
    assert (timed_out.state, timed_out.failure_kind) == (
        SubmissionState.FAILED, FailureKind.TIMEOUT,
    )  # fmt: skip

    # A second sweep right away does not send the same messages again.
    sent.clear()
    assert sweeper.sweep().resent == []
