"""A live ramplab, as `ramplab serve` runs it, and a headless Chromium to drive it.

The server runs in a thread on a free port with its own SQLite file and home (browser
tests commit for real, so they must not share the rolled-back test database), the
bundled kits bootstrapped, and the embedded worker scoring in the bubblewrap sandbox.
Debian's Chromium is used (`playwright install` is never run).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class LiveServer:
    url: str
    admin_password: str
    home: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        # Never skip: scripts/setup.sh installs it.
        pytest.fail("Chromium is not installed at /usr/bin/chromium", pytrace=False)
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is needed to score submissions in browser tests", pytrace=False)
    import uvicorn

    from server.admin.service import bootstrap
    from server.app import create_app
    from server.db import session_scope, upgrade_database
    from server.settings import get_settings
    from server.submissions.queue import CallableQueue
    from worker.config import get_worker_config
    from worker.embedded import start_embedded_worker
    from worker.queueing import send_score_task

    home = tmp_path_factory.mktemp("browser_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAMPLAB_HOME", str(home))
        patch.setenv("RAMPLAB_DATABASE_URL", f"sqlite:///{home / 'ramplab.db'}")
        patch.setenv("RAMPLAB_SANDBOX", "bubblewrap")
        patch.setenv("RAMPLAB_EMBEDDED_POLL_SECONDS", "0.3")
        patch.setenv("RAMPLAB_HEARTBEAT_SECONDS", "1")
        get_settings.cache_clear()
        get_worker_config.cache_clear()
        settings = get_settings()
        upgrade_database()
        with session_scope() as session:
            result = bootstrap(session=session)
            from server.models import Event

            # The bundled events ask for 30 s between submissions; tests submit faster.
            for event in session.query(Event):
                event.min_seconds_between_submissions = 0
        assert result.admin_password
        worker = start_embedded_worker(settings)
        app = create_app(
            settings,
            task_queue=CallableQueue(enqueue=send_score_task),
            sandbox_name="bubblewrap",
            leaderboard_cache_seconds=0,
        )
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the live server did not start"
            time.sleep(0.05)
        try:
            yield LiveServer(f"http://127.0.0.1:{port}", result.admin_password, home)
        finally:
            server.should_exit = True
            thread.join(10)
            worker.stop()
            get_settings.cache_clear()
            get_worker_config.cache_clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    """Make pages in fresh browser contexts (separate cookies: separate users)."""
    contexts = []

    def make():  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_up(page, username: str, password: str = "a long password") -> None:  # type: ignore[no-untyped-def]
    page.goto("/signup")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.org")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/events")


def sign_in(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
