"""Leaderboard latency under load: p50 / p99 of the page and the API.

Seeds a fresh PostgreSQL database with one event holding N scored submissions (bagged
valid and test scores for every score type, 8 folds each), starts the web app as a
production deployment would (uvicorn with --workers W, no access log, uvloop and
httptools when installed), and has C concurrent clients request the leaderboard page and
then the API for D seconds each, every client sending its next request as soon as the
previous one answered (a closed loop). Anonymous clients: the leaderboard is public.

The load generator is wrk (C, one thread, pinned to the last CPU with taskset) when it is
installed, otherwise an httpx asyncio client pinned the same way; `--load-generator`
chooses. Latencies are wrk's own (microsecond histogram, closed loop: no correction for
coordinated omission, like the httpx client).

    .venv/bin/python bench/leaderboard.py --submissions 10000 --clients 200 --duration 15
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from server.db import create_engine, upgrade_database  # noqa: E402
from server.models import (  # noqa: E402
    BaggedScore,
    Event,
    Problem,
    ProblemScoreType,
    ProblemState,
    ScoreDirection,
    Submission,
    SubmissionFoldResult,
    Team,
    utcnow,
)

ADMIN_URL = os.environ.get(
    "RAMPLAB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SCORES = (
    ("accuracy", ScoreDirection.HIGHER_IS_BETTER),
    ("error", ScoreDirection.LOWER_IS_BETTER),
    ("nll", ScoreDirection.LOWER_IS_BETTER),
    ("f1_70", ScoreDirection.HIGHER_IS_BETTER),
)
FOLDS = 8


def create_database() -> tuple[str, str]:
    name = f"ramplab_bench_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return name, ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def seed(url: str, submissions: int, teams: int) -> None:
    """One event, `teams` teams, `submissions` scored submissions spread over them."""
    engine = create_engine(url)
    now = utcnow()
    rng = __import__("random").Random(57)
    with engine.begin() as connection:
        problem_id = connection.execute(
            insert(Problem).returning(Problem.id),
            {
                "name": "iris",
                "title": "Iris",
                "kit_path": str(PROJECT_ROOT / "problems/iris"),
                "workflow_element_names": ["estimator"],
                "state": ProblemState.READY,
                "validation_log": "",
                "created_at": now,
            },
        ).scalar_one()
        connection.execute(
            insert(ProblemScoreType),
            [
                {
                    "problem_id": problem_id,
                    "position": i,
                    "name": name,
                    "direction": direction,
                    "display_precision": 4,
                }
                for i, (name, direction) in enumerate(SCORES)
            ],
        )
        event_id = connection.execute(
            insert(Event).returning(Event.id),
            {
                "problem_id": problem_id,
                "name": "bench",
                "title": "Bench",
                "description": "",
                "opens_at": now - timedelta(days=30),
                "closes_at": now + timedelta(days=30),
                "created_at": now,
            },
        ).scalar_one()
        team_ids = (
            connection.execute(
                insert(Team).returning(Team.id),
                [
                    {"event_id": event_id, "name": f"team{i}", "created_at": now}
                    for i in range(teams)
                ],
            )
            .scalars()
            .all()
        )
        rows = [
            {
                "event_id": event_id,
                "team_id": team_ids[i % teams],
                "name": f"submission{i}",
                "content_sha256": f"{i:064x}",
                "state": "scored",
                "created_at": now - timedelta(minutes=submissions - i),
                "queued_at": now,
                "finished_at": now,
            }
            for i in range(submissions)
        ]
        ids = connection.execute(insert(Submission).returning(Submission.id), rows).scalars().all()
        bagged, folds = [], []
        for submission_id in ids:
            accuracy = rng.uniform(0.6, 0.98)
            values = {
                "accuracy": accuracy,
                "error": 1 - accuracy,
                "nll": rng.uniform(0.05, 1.5),
                "f1_70": rng.uniform(0.5, 1),
            }
            for step in ("valid", "test"):
                jitter = 0 if step == "valid" else rng.uniform(-0.03, 0.03)
                bagged.extend(
                    {
                        "submission_id": submission_id,
                        "step": step,
                        "score_name": name,
                        "value": value + jitter,
                        "n_folds": FOLDS,
                        "created_at": now,
                    }
                    for name, value in values.items()
                )
            folds.extend(
                {
                    "submission_id": submission_id,
                    "fold_index": k,
                    "train_scores": values,
                    "valid_scores": values,
                    "test_scores": values,
                    "train_seconds": 0.4,
                    "valid_seconds": 0.05,
                    "test_seconds": 0.05,
                    "created_at": now,
                }
                for k in range(FOLDS)
            )
        connection.execute(insert(BaggedScore), bagged)
        connection.execute(insert(SubmissionFoldResult), folds)
    engine.dispose()


def start_server(url: str, port: int, home: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAMPLAB_DATABASE_URL": url, "RAMPLAB_HOME": str(home)}
    command = [
        *(sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning"),
    ]
    if importlib.util.find_spec("uvloop"):
        command += ["--loop", "uvloop"]
    if importlib.util.find_spec("httptools"):
        command += ["--http", "httptools"]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the web app did not start")


# Printed by wrk's done() hook: microseconds, then counts.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests,
    latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status,
    summary.duration))
end
"""


def pinned(command: list[str]) -> list[str]:
    """`command` run on the last CPU only: the load generator stays on one core."""
    cpu = max(os.sched_getaffinity(0))
    return ["taskset", "-c", str(cpu), *command] if shutil.which("taskset") else command


def wrk_load(url: str, clients: int, duration: float) -> tuple[int, float, float, int]:
    """(requests, p50 s, p99 s, errors) of `clients` wrk connections for `duration` s."""
    script = Path(f"/tmp/ramplab_bench_wrk_{os.getpid()}.lua")
    script.write_text(WRK_SCRIPT)
    command = ["wrk", "-t1", f"-c{clients}", f"-d{duration:g}s", "--timeout", "30s"]
    output = subprocess.run(
        pinned([*command, "-s", str(script), url]), capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    requests, p50, p99, socket_errors, status_errors, _ = map(int, match.groups())
    return requests, p50 / 1e6, p99 / 1e6, socket_errors + status_errors


def httpx_load(url: str, clients: int, duration: float) -> tuple[int, float, float, int]:
    """The same, from an asyncio httpx client pinned to the last CPU."""
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    latencies, errors = asyncio.run(load(url, clients, duration))
    return len(latencies), percentile(latencies, 50), percentile(latencies, 99), errors


async def load(url: str, clients: int, duration: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        end = time.monotonic() + duration

        async def one_client() -> None:
            nonlocal errors
            while time.monotonic() < end:
                start = time.perf_counter()
                try:
                    response = await client.get(url)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors += 1

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 10) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--load-generator",
        choices=("wrk", "httpx"),
        default="wrk" if shutil.which("wrk") else "httpx",
    )
    parser.add_argument(
        "--client-counts",
        type=int,
        nargs="*",
        default=None,
        help="also measure with these numbers of clients (e.g. 1 10)",
    )
    args = parser.parse_args()
    measure = wrk_load if args.load_generator == "wrk" else httpx_load

    name, url = create_database()
    home = Path(f"/tmp/{name}")
    try:
        upgrade_database(url)
        started = time.perf_counter()
        seed(url, args.submissions, args.teams)
        print(f"seeded {args.submissions} submissions in {time.perf_counter() - started:.1f}s")
        print(f"{args.workers} uvicorn workers, load generator: {args.load_generator}")
        server = start_server(url, args.port, home, args.workers)
        try:
            base = f"http://127.0.0.1:{args.port}"
            print("| endpoint | clients | requests | req/s | p50 ms | p99 ms | errors |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            for label, path in (
                ("page /events/bench/leaderboard", "/events/bench/leaderboard"),
                ("API /api/events/bench/leaderboard", "/api/events/bench/leaderboard"),
            ):
                # Warm up with as many connections as the run, so that every worker has
                # built its board (cold, that takes seconds; see BENCHMARKS.md).
                measure(base + path, args.clients, 3)
                for clients in [*(args.client_counts or []), args.clients]:
                    requests, p50, p99, errors = measure(base + path, clients, args.duration)
                    print(
                        f"| {label} | {clients} | {requests} | "
                        f"{requests / args.duration:.0f} | {p50 * 1000:.1f} | "
                        f"{p99 * 1000:.1f} | {errors} |",
                        flush=True,
                    )
        finally:
            server.terminate()
            server.wait(10)
    finally:
        drop_database(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
