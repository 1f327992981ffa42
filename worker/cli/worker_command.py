"""``ramplab worker``: a Celery worker that scores submissions (production mode).

Each worker also sweeps the queue in a thread of its main process (see worker.sweep),
so no separate beat process is needed: sweeps are idempotent, several at once are fine.
"""

from __future__ import annotations

import argparse

from worker.task_names import CPU_QUEUE, GPU_QUEUE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--queues",
        default=CPU_QUEUE,
        help=f"comma-separated queues to consume: {CPU_QUEUE} and/or {GPU_QUEUE} "
        f"(default {CPU_QUEUE}; only machines with a GPU should take {GPU_QUEUE})",
    )
    parser.add_argument(
        "--concurrency", type=int, default=1, help="submissions run at once (default 1)"
    )
    parser.add_argument("--loglevel", default="INFO", help="Celery log level (default INFO)")
    parser.add_argument("--hostname", default=None, help="Celery node name (default: generated)")


def run(args: argparse.Namespace) -> int:
    from server.settings import get_settings

    if get_settings().broker_url is None:
        print(
            "ramplab worker: no broker configured (set RAMPLAB_BROKER_URL, e.g. "
            "redis://localhost:6379/0). Without one, `ramplab serve` runs submissions "
            "in-process."
        )
        return 2
    queues = [q.strip() for q in args.queues.split(",") if q.strip()]
    unknown = sorted(set(queues) - {CPU_QUEUE, GPU_QUEUE})
    if unknown or not queues:
        print(f"ramplab worker: unknown queue(s) {', '.join(unknown) or '(none)'}")
        return 2
    from worker.celery_app import app

    argv = [
        "worker",
        f"--queues={','.join(queues)}",
        f"--concurrency={args.concurrency}",
        f"--loglevel={args.loglevel}",
        "--pool=prefork",
    ]
    if args.hostname:
        argv.append(f"--hostname={args.hostname}")
    app.worker_main(argv)
    return 0
