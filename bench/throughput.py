"""Scoring throughput: submissions per minute through Celery workers, and their overhead.

Usage::

    .venv/bin/python bench/throughput.py [--submissions 50] [--sandboxes docker bubblewrap]

For each sandbox backend: a fresh PostgreSQL database, a Redis database of its own
(redis://127.0.0.1:6379/14 by default, flushed), and one `celery -A worker.celery_app
worker --concurrency 2` (two worker processes) started as in production. It then queues
N iris starting-kit submissions at once and waits until all are scored.

Reported per backend:

- throughput: N / (time from the first enqueue to the last `finished_at`) per minute;
- overhead per submission: its worker time (`finished_at - started_at`: claim, job
  folder, sandbox start, interpreter and imports in the sandbox, reading and scoring
  the predictions, storing them) minus the engine's own time (the folds' train, valid
  and test times measured inside the sandbox). Median and 90th percentile.

The docker backend runs the host's interpreter in an empty image (as the tests do), so
both backends run the same Python. Results also go to bench/results/throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import redis  # noqa: E402
from sqlalchemy import func, make_url, select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from server.db import (  # noqa: E402
    create_engine,
    make_sessionmaker,
    session_scope,
    upgrade_database,
)
from server.models import (  # noqa: E402
    Event,
    Problem,
    ProblemScoreType,
    ScoreDirection,
    Submission,
    SubmissionFile,
    SubmissionFoldResult,
    SubmissionState,
    Team,
    content_sha256,
    utcnow,
)

IRIS = REPO / "problems" / "iris"
STARTING_KIT = (IRIS / "submissions" / "starting_kit" / "estimator.py").read_bytes()
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FINISHED = (SubmissionState.SCORED, SubmissionState.FAILED, SubmissionState.CANCELLED)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--sandboxes", nargs="+", default=["docker", "bubblewrap"])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    results = {}
    for sandbox in args.sandboxes:
        if sandbox == "docker":
            for script in ("start-dockerd.sh", "build-test-image.sh"):
                subprocess.run([str(REPO / "scripts" / script)], check=True)
        results[sandbox] = run_backend(
            sandbox, n=args.submissions, concurrency=args.concurrency, redis_url=args.redis_url
        )
        print(format_result(sandbox, results[sandbox]), flush=True)
    out = REPO / "bench" / "results" / "throughput.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version()}
    out.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    return 0


def run_backend(sandbox: str, *, n: int, concurrency: int, redis_url: str) -> dict[str, float]:
    broker = redis.Redis.from_url(redis_url)
    broker.flushdb()
    with temporary_database() as database_url, tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "RAMPLAB_HOME": home,
            "RAMPLAB_DATABASE_URL": database_url,
            "RAMPLAB_BROKER_URL": redis_url,
            "RAMPLAB_SANDBOX": sandbox,
            "RAMPLAB_SANDBOX_HOST_PYTHON": "1",
            "RAMPLAB_HEARTBEAT_SECONDS": "5",
        }
        os.environ.update({k: v for k, v in env.items() if k.startswith("RAMPLAB_")})
        from server.settings import get_settings
        from worker.config import get_worker_config

        get_settings.cache_clear()
        get_worker_config.cache_clear()
        engine = create_engine(database_url)
        db = make_sessionmaker(engine)
        worker = start_worker(env, concurrency, Path(home) / "celery.log")
        try:
            ids = create_submissions(db, n)
            enqueue_all(db, ids)
            wait_until_finished(db, ids, worker, Path(home) / "celery.log")
            return measure(db, ids)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            engine.dispose()
            broker.flushdb()


class temporary_database:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""

    def __enter__(self) -> str:
        self.admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.name = f"ramplab_bench_{os.getpid()}_{int(time.time())}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        url = make_url(POSTGRES_ADMIN_URL).set(database=self.name)
        self.url = url.render_as_string(hide_password=False)
        upgrade_database(self.url)
        return self.url

    def __exit__(self, *_: object) -> None:
        from server.db import get_engine

        get_engine().dispose()
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


def start_worker(env: dict[str, str], concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    argv = [
        str(Path(sys.executable).parent / "celery"), "-A", "worker.celery_app", "worker",
        "--queues=cpu", f"--concurrency={concurrency}", "--pool=prefork", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with log.open("wb") as stream:
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=stream, stderr=stream)
    deadline = time.monotonic() + 120
    while b" ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"celery worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return process


def create_submissions(db: sessionmaker[Session], n: int) -> list[int]:
    with session_scope(db) as session:
        score_types = [
            ProblemScoreType(position=i, name=name, direction=direction)
            for i, (name, direction) in enumerate(
                [("accuracy", ScoreDirection.HIGHER_IS_BETTER),
                 ("error", ScoreDirection.LOWER_IS_BETTER),
                 ("nll", ScoreDirection.LOWER_IS_BETTER),
                 ("f1_70", ScoreDirection.HIGHER_IS_BETTER)]
            )
        ]  # fmt: skip
        problem = Problem(name="iris", title="Iris", kit_path=str(IRIS), score_types=score_types,
                          workflow_element_names=["estimator"])  # fmt: skip
        now = utcnow()
        event = Event(problem=problem, name="bench", title="Bench", opens_at=now,
                      closes_at=now.replace(year=now.year + 1), time_limit_seconds=120,
                      memory_limit_bytes=2 * 1024**3, cpus=1.0)  # fmt: skip
        session.add(event)
        session.flush()
        team = Team(event=event, event_id=event.id, name="bench")
        session.add(team)
        session.flush()
        submissions = []
        for i in range(n):
            # Distinct content, as the web app refuses resubmitting identical code.
            code = STARTING_KIT + f"\n# {i}\n".encode()
            submissions.append(
                Submission(team=team, event_id=event.id, name=f"s{i}",
                           content_sha256=content_sha256([("estimator.py", code)]),
                           files=[SubmissionFile.from_bytes("estimator.py", code)])
            )  # fmt: skip
        session.add_all(submissions)
        session.flush()
        return [s.id for s in submissions]


def enqueue_all(db: sessionmaker[Session], ids: list[int]) -> None:
    from worker.queueing import enqueue_submission

    with session_scope(db) as session:
        for submission_id in ids:
            enqueue_submission(session, submission_id)


def wait_until_finished(
    db: sessionmaker[Session], ids: list[int], worker: subprocess.Popen[bytes], log: Path
) -> None:
    while True:
        with session_scope(db) as session:
            done = session.scalar(
                select(func.count()).where(Submission.id.in_(ids), Submission.state.in_(FINISHED))
            )
        if done == len(ids):
            return
        if worker.poll() is not None:
            raise RuntimeError(f"the worker died:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


def measure(db: sessionmaker[Session], ids: list[int]) -> dict[str, float]:
    with session_scope(db) as session:
        rows = session.execute(
            select(
                Submission.id, Submission.state, Submission.started_at, Submission.finished_at
            ).where(Submission.id.in_(ids))
        ).all()
        engine_seconds = dict(
            session.execute(
                select(
                    SubmissionFoldResult.submission_id,
                    func.sum(
                        SubmissionFoldResult.train_seconds
                        + SubmissionFoldResult.valid_seconds
                        + SubmissionFoldResult.test_seconds
                    ),
                ).group_by(SubmissionFoldResult.submission_id)
            ).all()
        )
    scored = [row for row in rows if row.state is SubmissionState.SCORED]
    first_start = min(row.started_at for row in scored)
    last_finish = max(row.finished_at for row in scored)
    # Wall clock from enqueue: the database's timestamps give the span of the work.
    elapsed = (last_finish - first_start).total_seconds()
    worker_times = [(row.finished_at - row.started_at).total_seconds() for row in scored]
    overheads = sorted(t - engine_seconds[row.id] for t, row in zip(worker_times, scored))
    return {
        "submissions": len(ids),
        "scored": len(scored),
        "elapsed_seconds": elapsed,
        "submissions_per_minute": 60 * len(scored) / elapsed,
        "worker_seconds_median": statistics.median(worker_times),
        "engine_seconds_median": statistics.median(engine_seconds.values()),
        "overhead_seconds_median": statistics.median(overheads),
        "overhead_seconds_p90": overheads[int(0.9 * (len(overheads) - 1))],
    }


def format_result(sandbox: str, result: dict[str, float]) -> str:
    return (
        f"{sandbox:>10}: {result['scored']}/{result['submissions']} scored in "
        f"{result['elapsed_seconds']:.1f} s = {result['submissions_per_minute']:.1f}/min; "
        f"per submission: worker {result['worker_seconds_median']:.2f} s, engine "
        f"{result['engine_seconds_median']:.2f} s, overhead median "
        f"{result['overhead_seconds_median']:.2f} s (p90 {result['overhead_seconds_p90']:.2f} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
