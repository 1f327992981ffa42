"""The FastAPI application: `create_app(settings)` wires domains, sessions and errors."""

from __future__ import annotations

import gc
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from server.accounts import pages as accounts_pages
from server.accounts import router as accounts_router
from server.accounts.mailer import ConsoleMailer, Mailer
from server.admin import pages as admin_pages
from server.contributivity import pages as contributivity_pages
from server.contributivity import router as contributivity_router
from server.errors import install_error_handlers
from server.events import pages as events_pages
from server.events import router as events_router
from server.leaderboards import pages as leaderboards_pages
from server.leaderboards import router as leaderboards_router
from server.leaderboards.response_cache import DEFAULT_TTL_SECONDS, LeaderboardResponseCache
from server.leaderboards.service import DEFAULT_CACHE_SECONDS
from server.problems import pages as problems_pages
from server.problems import router as problems_router
from server.security import SESSION_COOKIE, SESSION_MAX_AGE_SECONDS, DbSession
from server.settings import Settings, get_settings
from server.submissions import pages as submissions_pages
from server.submissions import router as submissions_router
from server.submissions.queue import CeleryQueue, RecordingQueue, TaskQueue
from server.teams import pages as teams_pages
from server.teams import router as teams_router
from server.web import NODE_MODULES_DIR, STATIC_DIR

health_router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    broker: str
    sandbox: str


@health_router.get("/health", response_model=Health)
def health(request: Request, session: DbSession) -> Health:
    """Whether the app can reach its database, and which broker and sandbox it uses."""
    try:
        session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as error:  # the point is to report it, whatever it is
        database = f"error: {type(error).__name__}"
    settings: Settings = request.app.state.settings
    return Health(
        status="ok" if database == "ok" else "degraded",
        database=database,
        broker="embedded" if settings.embedded else "celery",
        sandbox=request.app.state.sandbox_name,
    )


# Container allocations between young collections (CPython's default is 700). Under load
# each young collection promotes the objects of the ~100 requests then in flight to the
# old generations, and those promotions are what set off full collections; fewer young
# collections mean far fewer full ones, and a young collection stays a few milliseconds.
YOUNG_GC_THRESHOLD = 10_000


@asynccontextmanager
async def tune_garbage_collector(_app: FastAPI) -> AsyncIterator[None]:
    """Keep the cycle collector's pauses out of the request latency.

    A full collection walks every object in the oldest generation, and once the app has
    started that holds the imported libraries' modules, classes and functions (~220,000
    objects, alive until exit): 150-650 ms during which a worker's event loop answers
    nobody, which is what set the leaderboard p99 at 200 clients (bench/leaderboard.py).
    Frozen, a full collection walks only what was created since (boards, caches: ~47,000
    objects). Frozen objects are still freed by reference counting; garbage cycles are
    collected first so that none is kept, and shutdown undoes both settings so that an
    app made and dropped by the tests can be collected.
    """
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def guess_sandbox(settings: Settings) -> str:
    """The sandbox the workers will use, as far as the web process can tell."""
    if settings.sandbox:
        return settings.sandbox
    if shutil.which("docker"):
        return "docker"
    if shutil.which("bwrap"):
        return "bubblewrap"
    return "local" if settings.allow_unsafe_local else "none"


def create_app(
    settings: Settings | None = None,
    *,
    task_queue: TaskQueue | None = None,
    mailer: Mailer | None = None,
    sandbox_name: str | None = None,
    leaderboard_cache_seconds: float = DEFAULT_CACHE_SECONDS,
    leaderboard_response_cache_seconds: float | None = None,
    tune_gc: bool = True,
) -> FastAPI:
    """Build the app for `settings`; tests pass their own queue and mailer.

    `tune_gc=False` leaves the garbage collector alone (see `tune_garbage_collector`):
    the test client starts the app once per test, and a full collection each time would
    add ~0.2 s to every test.
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="ramplab",
        summary="RAMP-style data challenges: submit code, get scored, climb leaderboards.",
        version="0.1.0",
        lifespan=tune_garbage_collector if tune_gc else None,
    )
    app.state.settings = settings
    app.state.task_queue = task_queue or (
        RecordingQueue() if settings.embedded else CeleryQueue(settings.broker_url or "")
    )
    app.state.mailer = mailer or ConsoleMailer()
    app.state.sandbox_name = sandbox_name or guess_sandbox(settings)
    app.state.leaderboard_cache_seconds = leaderboard_cache_seconds

    # Added first, so that it runs inside the session middleware, whose session it reads.
    app.add_middleware(
        LeaderboardResponseCache,
        ttl_seconds=min(DEFAULT_TTL_SECONDS, leaderboard_cache_seconds)
        if leaderboard_response_cache_seconds is None
        else leaderboard_response_cache_seconds,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        https_only=settings.base_url.startswith("https://"),
    )
    install_error_handlers(app)

    routers: list[Any] = [
        health_router,
        accounts_router.router,
        problems_router.router,
        events_router.router,
        submissions_router.router,
        leaderboards_router.router,
        contributivity_router.router,
        teams_router.router,
        accounts_pages.router,
        problems_pages.router,
        events_pages.router,
        submissions_pages.router,
        teams_pages.router,
        leaderboards_pages.router,
        contributivity_pages.router,
        admin_pages.router,
    ]
    for router in routers:
        app.include_router(router)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    codemirror = NODE_MODULES_DIR / "codemirror"
    if codemirror.is_dir():
        # Installed by `npm ci --prefix frontend` (frontend/package.json), never committed.
        app.mount("/vendor/codemirror", StaticFiles(directory=codemirror), name="codemirror")
    return app
