"""Warm sandboxes in the pipeline: started ahead, one job each, nothing carried over."""

from __future__ import annotations

import textwrap

import pytest

from server.db import session_scope
from server.models import Event, SubmissionState, utcnow
from tests.factories import create_submission
from worker.config import get_worker_config
from worker.pipeline import Result, process_submission
from worker.pipeline.execute import JobRequest, run_job, warm_up_next
from worker.pipeline.sandboxes import worker_warm_pool
from worker.pipeline.warm import WarmPool
from worker.sandbox import BubblewrapSandbox, Limits

from .helpers import IRIS, STARTING_KIT, MiB, create_iris_event, read

LIMITS = Limits(wall_seconds=60, memory_bytes=1024 * MiB, cpus=1.0, pids=64)

#: Leaves a file in its /tmp and a process behind, then trains like the starting kit.
LEAVES_TRACES = textwrap.dedent("""
    import subprocess
    from sklearn.linear_model import LogisticRegression

    def get_estimator():
        with open("/tmp/left-behind", "w") as f:
            f.write("a secret")
        subprocess.Popen(["sleep", "300"], start_new_session=True)
        return LogisticRegression(max_iter=500)
""")

#: Fails if it finds anything an earlier submission left.
LOOKS_FOR_TRACES = textwrap.dedent("""
    import os
    from sklearn.linear_model import LogisticRegression

    def get_estimator():
        traces = []
        if os.path.exists("/tmp/left-behind"):
            traces.append("/tmp/left-behind")
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if f.read().startswith(b"sleep"):
                        traces.append(f"process {pid}")
            except OSError:
                pass
        if traces:
            raise RuntimeError(f"LEAKED from an earlier submission: {traces}")
        return LogisticRegression(max_iter=500)
""")


def job(files: dict[str, str], limits: Limits = LIMITS) -> JobRequest:
    encoded = {name: text.encode() for name, text in files.items()}
    return JobRequest(submission_id=1, kit_path=str(IRIS), files=encoded, limits=limits)


def fold_scores(outcome):
    assert outcome.failure is None, outcome.failure
    return [(f.train, f.valid, f.test) for f in outcome.scores.folds], outcome.scores.bagged


def test_a_warm_sandbox_scores_exactly_like_a_cold_one(worker_env):
    sandbox, pool = BubblewrapSandbox(), WarmPool()
    cold = run_job(job(STARTING_KIT), sandbox)

    warm_up_next(job(STARTING_KIT), sandbox, pool, wait_seconds=60)
    assert len(pool) == 1
    warm = run_job(job(STARTING_KIT), sandbox, warm=pool)

    assert len(pool) == 0  # taken: a sandbox serves one job
    assert fold_scores(warm) == fold_scores(cold)


def test_no_trace_of_one_submission_reaches_the_next(worker_env):
    sandbox, pool = BubblewrapSandbox(), WarmPool()
    # Both sandboxes are warm, side by side, before the first submission runs.
    warm_up_next(job(STARTING_KIT), sandbox, pool, wait_seconds=60)
    warm_up_next(job(STARTING_KIT), sandbox, pool, wait_seconds=60)

    first = run_job(job({"estimator.py": LEAVES_TRACES}), sandbox, warm=pool)
    second = run_job(job({"estimator.py": LOOKS_FOR_TRACES}), sandbox, warm=pool)

    assert first.failure is None, first.failure
    assert second.failure is None, second.failure.log


def test_a_warm_sandbox_serves_only_jobs_with_its_kit_and_limits(worker_env):
    sandbox, pool = BubblewrapSandbox(), WarmPool()
    warm_up_next(job(STARTING_KIT), sandbox, pool, wait_seconds=60)
    other_limits = Limits(**{**LIMITS.__dict__, "memory_bytes": 768 * MiB})

    outcome = run_job(job(STARTING_KIT, other_limits), sandbox, warm=pool)

    assert outcome.failure is None
    assert len(pool) == 1  # still waiting for a job of its own kind
    pool.discard_all()
    assert len(pool) == 0


def test_bad_file_names_discard_the_warm_sandbox(worker_env):
    sandbox, pool = BubblewrapSandbox(), WarmPool()
    warm_up_next(job(STARTING_KIT), sandbox, pool, wait_seconds=60)
    with pytest.raises(ValueError, match="not a plain file name"):
        run_job(job({"../estimator.py": "x = 1"}), sandbox, warm=pool)
    assert len(pool) == 0


@pytest.mark.parametrize("warm", ["1", "0"])
def test_a_worker_readies_its_next_sandbox_after_each_job(db, worker_env, monkeypatch, warm):
    monkeypatch.setenv("RAMPLAB_SANDBOX", "bubblewrap")
    monkeypatch.setenv("RAMPLAB_WARM_SANDBOXES", warm)
    get_worker_config.cache_clear()
    event_id = create_iris_event(db)
    ids = []
    with session_scope(db) as session:
        event = session.get_one(Event, event_id)
        for _ in range(2):
            submission = create_submission(
                session, event=event, files=STARTING_KIT, state=SubmissionState.QUEUED
            )
            submission.queued_at = utcnow()
            ids.append(submission.id)

    reports = [process_submission(i, worker_id="test", factory=db) for i in ids]

    assert [r.result for r in reports] == [Result.SCORED, Result.SCORED]
    assert [read(db, i).state for i in ids] == [SubmissionState.SCORED] * 2
    assert len(worker_warm_pool()) == (1 if warm == "1" else 0)
