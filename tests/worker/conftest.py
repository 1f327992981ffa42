"""Fixtures for the scoring tests: a committed PostgreSQL database, Redis, Celery workers.

Unlike the rolled-back `session` of tests/conftest.py, the rows here are committed: a
Celery worker is a separate process and must see them. They live in a database of their
own (`worker_db_url`), so no other test ever sees them. Everything the worker process
needs comes through its environment, as in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from server.db import create_engine, make_sessionmaker, session_scope, upgrade_database
from server.models import Submission, SubmissionState, utcnow
from server.settings import get_settings
from tests.conftest import temporary_postgres_database
from worker.config import get_worker_config
from worker.pipeline.kit_cache import clear_kit_cache
from worker.pipeline.sandboxes import reset_worker_sandbox
from worker.sandbox.runtime import PROJECT_ROOT

UNFINISHED = (SubmissionState.NEW, SubmissionState.QUEUED, SubmissionState.RUNNING)
TEST_REDIS_URL = os.environ.get("RAMPLAB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PRIVATE_REDIS_PORT = 6390
#: Short periods so that stale heartbeats, lost messages and retries show up in seconds.
FAST_WORKER_ENV = {
    "RAMPLAB_HEARTBEAT_SECONDS": "0.5",
    "RAMPLAB_SWEEP_SECONDS": "1",
    "RAMPLAB_STALE_RUNNING_SECONDS": "4",
    "RAMPLAB_RESEND_QUEUED_AFTER_SECONDS": "3",
    "RAMPLAB_RETRY_BACKOFF_SECONDS": "0.2",
    "RAMPLAB_TASK_TIME_MARGIN_SECONDS": "30",
    "RAMPLAB_SANDBOX_HOST_PYTHON": "1",
}


@pytest.fixture(scope="session")
def worker_db_url() -> Iterator[str]:
    with temporary_postgres_database() as url:
        upgrade_database(url)
        yield url


@pytest.fixture(scope="session")
def worker_db_engine(worker_db_url: str) -> Iterator[Engine]:
    engine = create_engine(worker_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(worker_db_engine: Engine) -> sessionmaker[Session]:
    """A session factory whose commits are real (visible to worker processes).

    Work left unfinished by earlier tests is cancelled first, so that no sweep or worker
    of this test spends time on it.
    """
    factory = make_sessionmaker(worker_db_engine)
    with session_scope(factory) as session:
        session.execute(
            update(Submission)
            .where(Submission.state.in_(UNFINISHED))
            .values(state=SubmissionState.CANCELLED, finished_at=utcnow())
        )
    return factory


@pytest.fixture
def worker_env(
    worker_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Settings shared by this test process and the workers it starts.

    This process gets them too (monkeypatched env): `enqueue_submission` must send to
    the same broker, and in-process pipeline calls must use the same database.
    """
    home = tmp_path / "home"
    env = {
        **FAST_WORKER_ENV,
        "RAMPLAB_HOME": str(home),
        "RAMPLAB_DATABASE_URL": worker_db_url,
        "RAMPLAB_BROKER_URL": TEST_REDIS_URL,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    _clear_caches()
    return env


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    _clear_caches()
    yield
    _clear_caches()


def _clear_caches() -> None:
    get_settings.cache_clear()
    get_worker_config.cache_clear()
    reset_worker_sandbox()
    clear_kit_cache()


@pytest.fixture
def test_redis() -> Iterator[redis.Redis]:
    """The shared Redis's test database, emptied before and after (only that one)."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        # Never skip: scripts/start-services.sh starts Redis.
        pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL}: {error}", pytrace=False)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


class PrivateRedis:
    """A redis-server of our own, which a test may restart without disturbing others."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port = port
        self.folder = folder
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop it without saving: whatever messages it held are gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(PRIVATE_REDIS_PORT, tmp_path)
    server.start()
    yield server
    server.stop()


class CeleryWorker:
    """`celery -A worker.celery_app worker` as a subprocess, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path, queues: str, sandbox: str) -> None:
        self.env = {**os.environ, **env, "RAMPLAB_SANDBOX": sandbox}
        self.log = log
        self.queues = queues
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CeleryWorker:
        argv = [
            str(Path(sys.executable).parent / "celery"), "-A", "worker.celery_app", "worker",
            f"--queues={self.queues}", "--concurrency=1", "--pool=prefork",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as stream:
            self.process = subprocess.Popen(
                argv, cwd=PROJECT_ROOT, env=self.env, stdout=stream, stderr=stream,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while b" ready." not in self.log.read_bytes()[offset:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{self.output()}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a crashed machine would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@pytest.fixture
def start_worker(
    worker_env: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., CeleryWorker]]:
    """Start Celery workers (`sandbox=`, `queues=`, `broker_url=`); all stopped at the end."""
    workers: list[CeleryWorker] = []

    def start(
        *, sandbox: str = "bubblewrap", queues: str = "cpu", broker_url: str | None = None
    ) -> CeleryWorker:
        env = dict(worker_env)
        if broker_url is not None:
            env["RAMPLAB_BROKER_URL"] = broker_url
        log = tmp_path / f"celery-{len(workers)}.log"
        worker = CeleryWorker(env, log, queues, sandbox)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture(scope="session")
def docker_ready() -> None:
    """The Docker daemon and the empty test image (the sandbox engineer's scripts)."""
    for script in ("start-dockerd.sh", "build-test-image.sh"):
        done = subprocess.run(
            [str(PROJECT_ROOT / "scripts" / script)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"scripts/{script} failed ({done.returncode}):\n{done.stderr}")
