"""`ramplab serve`: the whole platform in one process (embedded mode by default).

Migrates the database, creates on first start the bundled problems (iris, titanic) with
an open event each and an admin account (its generated password is printed once), starts
the in-process worker, and serves the web app until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import signal

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start the in-process worker (submissions stay queued)",
    )


def _sandbox_name(settings: object) -> str:
    from worker.sandbox.factory import get_sandbox

    try:
        sandbox = get_sandbox(
            getattr(settings, "sandbox", None),
            allow_unsafe_local=bool(getattr(settings, "allow_unsafe_local", False)),
        )
    except Exception as error:  # reported in /api/health and on the console
        logger.warning("no sandbox available: %s", error)
        return f"unavailable: {error}"
    return type(sandbox).__name__.removesuffix("Sandbox").lower()


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from server.admin.service import bootstrap
    from server.app import create_app
    from server.db import session_scope, upgrade_database
    from server.settings import get_settings
    from server.submissions.queue import CallableQueue
    from worker.blending_task import request_blend
    from worker.queueing import send_score_task

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    upgrade_database()
    with session_scope() as session:
        result = bootstrap(session=session)
    for name in result.problems:
        print(f"Added problem {name} with an open event at /events/{name}")
    if result.admin_password:
        # Printed once: only its hash is stored.
        print(
            f"\nCreated the administrator account.\n  username: admin\n"
            f"  password: {result.admin_password}\nKeep it: it is not shown again.\n",
            flush=True,
        )
    sandbox_name = _sandbox_name(settings)
    worker = None
    if settings.embedded and not args.no_worker:
        from worker.embedded import start_embedded_worker

        worker = start_embedded_worker(settings)
    app = create_app(
        settings,
        task_queue=CallableQueue(enqueue=send_score_task, blend_function=request_blend),
        sandbox_name=sandbox_name,
    )
    print(f"ramplab on http://{args.host}:{args.port} (state in {settings.home})", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port))
    # uvicorn shuts down gracefully on SIGTERM / SIGINT, then re-raises the signal with
    # the handlers it found installed; these make that a clean exit (status 0, the
    # worker stopped) instead of death by signal or a KeyboardInterrupt traceback.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
    try:
        server.run()
    finally:
        if worker is not None:
            worker.stop()
    return 0
