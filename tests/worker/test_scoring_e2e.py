"""A submission goes new -> queued -> running -> scored through a real Celery worker.

The worker is `celery -A worker.celery_app worker` on Redis, with the PostgreSQL test
database; the sandbox is docker (an empty image running the host's interpreter) or
bubblewrap. The scores must be the ones `ramplab test` computes on this machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import docker
import pytest

from problems.kit import load_kit
from problems.kit.engine import load_kit_data, run_submission_locally
from server.models import SubmissionState
from server.settings import get_settings
from worker.sandbox.docker_sandbox import LABEL

from .helpers import (
    IRIS,
    bagged,
    create_iris_event,
    fold_result_count,
    read,
    submit,
    wait_for,
)


@pytest.fixture(scope="module")
def local_iris_scores() -> dict[str, dict[str, float]]:
    """What `ramplab test` reports for the iris starting kit."""
    kit = load_kit(IRIS)
    scores, _ = run_submission_locally(
        kit, IRIS / "submissions/starting_kit", load_kit_data(kit), n_jobs=1
    )
    return {"valid": scores.bagged.valid, "test": scores.bagged.test}


@pytest.mark.slow
@pytest.mark.parametrize(
    "sandbox", ["bubblewrap", pytest.param("docker", marks=pytest.mark.docker)]
)
def test_submission_is_scored_by_a_celery_worker(
    sandbox, request, db, test_redis, start_worker, local_iris_scores
):
    if sandbox == "docker":
        request.getfixturevalue("docker_ready")
    sandboxes_before = sandbox_containers()
    worker = start_worker(sandbox=sandbox)
    event_id = create_iris_event(db)

    submission_id = submit(db, event_id)
    assert read(db, submission_id).state in (SubmissionState.QUEUED, SubmissionState.RUNNING)
    wait_for(db, [submission_id], [SubmissionState.RUNNING, SubmissionState.SCORED],
             describe=worker.output)  # fmt: skip
    [submission] = wait_for(db, [submission_id], [SubmissionState.SCORED], describe=worker.output)

    assert submission.failure_kind is None
    assert submission.attempts == 1
    assert submission.started_at <= submission.finished_at
    assert submission.worker_id.startswith("celery@")
    assert fold_result_count(db, submission_id) == 8
    assert set(bagged(db, submission_id)) == {"valid", "test"}
    for step, expected in local_iris_scores.items():
        assert bagged(db, submission_id)[step] == pytest.approx(expected), step
    folder = Path(get_settings().predictions_dir) / str(event_id) / str(submission_id)
    assert sorted(p.name for p in folder.glob("fold_*")) == [f"fold_{i}" for i in range(8)]
    assert (folder / "fold_0" / "y_pred_train.npz").is_file()
    assert (folder / "fold_0" / "y_pred_test.npz").is_file()

    # The worker kept the next job's sandbox warm; stopping it leaves nothing behind.
    deadline = time.monotonic() + 30
    while not runner_processes(get_settings().home):
        assert time.monotonic() < deadline, "no warm sandbox after the job"
        time.sleep(0.1)
    worker.stop()
    assert runner_processes(get_settings().home) == []
    assert sandbox_containers() - sandboxes_before == set()


def runner_processes(home: Path) -> list[int]:
    """Sandboxed runners (warm or running) of the workers using `home`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"worker.runner" in command or (b"bwrap" in command and str(home).encode() in command):
            found.append(int(entry.name))
    return [pid for pid in found if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def sandbox_containers() -> set[str]:
    """Ids of every sandbox container on the daemon, stopped ones included."""
    client = docker.from_env()
    try:
        return {c.id for c in client.containers.list(all=True, filters={"label": LABEL})}
    finally:
        client.close()
