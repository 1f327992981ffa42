"""The `ramplab` command line end to end: serve (start, first-start output, SIGTERM),
admin, and submit / status / leaderboard against a live server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import LiveServer, _free_port
from worker.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RAMPLAB = [sys.executable, "-c", "import sys; from worker.cli import main; sys.exit(main())"]


def start_serve(home: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "RAMPLAB_HOME": str(home), "RAMPLAB_SANDBOX": "bubblewrap"}
    env.pop("RAMPLAB_DATABASE_URL", None)
    return subprocess.Popen(
        [*RAMPLAB, "serve", "--port", str(port), "--no-worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(url: str, process: subprocess.Popen[str]) -> dict[str, str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            return dict(httpx.get(f"{url}/api/health", timeout=1).json())
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("ramplab serve did not answer")


def test_serve_first_start_then_sigterm_then_restart(tmp_path: Path) -> None:
    home, port = tmp_path / "home", _free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_serve(home, port)
    try:
        health = wait_healthy(url, process)
        assert health["status"] == "ok" and health["broker"] == "embedded"
        events = {e["name"] for e in httpx.get(f"{url}/api/events").json()}
        assert {"iris", "titanic"} <= events
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "password:" in output
    password = output.split("password:")[1].split()[0]
    # A second start keeps the state and does not print a password again.
    process = start_serve(home, port)
    try:
        wait_healthy(url, process)
        token = httpx.post(f"{url}/api/token", json={"username": "admin", "password": password})
        assert token.status_code == 200
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert "password:" not in output


def test_admin_submit_status_and_leaderboard(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["admin", "create-user", "cli_user", "cli@example.org", "--password", "cli password!"])
        == 0
    )
    token = httpx.post(
        f"{live_server.url}/api/token",
        json={"username": "cli_user", "password": "cli password!"},
    ).json()["token"]
    common = ["--server", live_server.url, "--token", token]
    httpx.post(
        f"{live_server.url}/api/events/iris/join", headers={"Authorization": f"Bearer {token}"}
    )
    kit = PROJECT_ROOT / "problems" / "iris" / "submissions" / "random_forest"
    assert main(["submit", *common, "iris", "cli_forest", str(kit), "--wait"]) == 0
    out = capsys.readouterr().out
    assert "cli_forest  scored" in out and "valid accuracy" in out
    assert main(["status", *common, "--event", "iris"]) == 0
    assert "cli_forest  scored" in capsys.readouterr().out
    assert main(["leaderboard", *common, "iris"]) == 0
    assert "cli_forest" in capsys.readouterr().out
    assert main(["admin", "create-event", "cli-event", "iris", "--closes", "2099-01-01"]) == 0
    event = httpx.get(f"{live_server.url}/api/events/cli-event").json()
    assert event["problem_name"] == "iris" and event["closes_at"].startswith("2099-01-01")
    assert main(["admin", "create-event", "cli-event", "iris", "--closes", "2099-01-01"]) == 2
    # Refusals come back as a message and a non-zero exit, not a traceback.
    assert main(["submit", *common, "iris", "../bad", str(kit)]) == 2
    assert "Name your submission" in capsys.readouterr().err
