"""`ramplab submit | status | leaderboard`: the JSON API from a terminal.

The server and token come from --server/--token or RAMPLAB_SERVER/RAMPLAB_TOKEN
(create a token on your profile page, or with `ramplab submit --login USER`).
Subcommands are chosen by `args.command`, so one module serves all three.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path
from typing import Any

FINAL_STATES = ("scored", "failed", "cancelled")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", default=os.environ.get("RAMPLAB_SERVER", "http://127.0.0.1:8000")
    )
    parser.add_argument("--token", default=os.environ.get("RAMPLAB_TOKEN"))
    parser.add_argument(
        "--login", help="get a token by signing in as this user (asks the password)"
    )
    command = parser.prog.split()[-1]
    if command == "submit":
        parser.add_argument("event", help="event name, as in /events/NAME")
        parser.add_argument("name", help="a name for this submission")
        parser.add_argument("files", nargs="+", type=Path, help="files, or one folder")
        parser.add_argument("--wait", action="store_true", help="wait until it is scored")
    elif command == "status":
        parser.add_argument("submission_id", type=int, nargs="?")
        parser.add_argument("--event", help="list your submissions to this event")
    else:
        parser.add_argument("event")
        parser.add_argument(
            "--kind", default="public", choices=("public", "private", "competition", "failed")
        )


class ApiError(Exception):
    pass


def _client(args: argparse.Namespace) -> Any:
    import httpx

    token = args.token
    if args.login:
        password = getpass.getpass(f"Password for {args.login}: ")
        response = httpx.post(
            f"{args.server}/api/token", json={"username": args.login, "password": password}
        )
        _check(response)
        token = response.json()["token"]
        print(f"Your API token (set RAMPLAB_TOKEN to reuse it): {token}", file=sys.stderr)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=args.server, headers=headers, timeout=60)


def _check(response: Any) -> Any:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = response.text
        raise ApiError(f"{response.status_code}: {detail}")
    return response.json()


def _files(paths: list[Path]) -> dict[str, str]:
    if len(paths) == 1 and paths[0].is_dir():
        paths = sorted(p for p in paths[0].iterdir() if p.is_file() and p.suffix == ".py")
    return {path.name: path.read_text(encoding="utf-8") for path in paths}


def _print_submission(data: dict[str, Any]) -> None:
    position = f" (#{data['queue_position']} in queue)" if data.get("queue_position") else ""
    print(f"{data['id']}  {data['name']}  {data['state']}{position}")
    for name, value in data.get("valid_scores", {}).items():
        print(f"  valid {name}: {value:.4f}")
    if data.get("failure_kind"):
        print(f"  failure: {data['failure_kind']}")
        if data.get("failure_log"):
            print(data["failure_log"])


def _submit(client: Any, args: argparse.Namespace) -> int:
    data = _check(
        client.post(
            f"/api/events/{args.event}/submissions",
            json={"name": args.name, "files": _files(args.files)},
        )
    )
    _print_submission(data)
    while args.wait and data["state"] not in FINAL_STATES:
        time.sleep(2)
        data = _check(client.get(f"/api/submissions/{data['id']}"))
    if args.wait:
        _print_submission(data)
    return 1 if data["state"] == "failed" else 0


def _status(client: Any, args: argparse.Namespace) -> int:
    if args.submission_id is not None:
        _print_submission(_check(client.get(f"/api/submissions/{args.submission_id}")))
        return 0
    if not args.event:
        raise ApiError("give a submission id, or --event NAME to list your submissions")
    for item in _check(client.get(f"/api/events/{args.event}/submissions")):
        scores = ", ".join(f"{k}={v:.4f}" for k, v in item["valid_scores"].items())
        print(f"{item['id']}  {item['name']}  {item['state']}  {scores}")
    return 0


def _leaderboard(client: Any, args: argparse.Namespace) -> int:
    board = _check(client.get(f"/api/events/{args.event}/leaderboard", params={"kind": args.kind}))
    names = [column["name"] for column in board["columns"]]
    print("  ".join(["rank", "team", "submission", *names]))
    for row in board["rows"]:
        scores = [f"{row['scores'][n]:.4f}" if n in row["scores"] else "-" for n in names]
        print("  ".join([str(row["rank"]), row["team_name"], row["submission_name"], *scores]))
    return 0


def run(args: argparse.Namespace) -> int:
    handlers = {"submit": _submit, "status": _status, "leaderboard": _leaderboard}
    try:
        with _client(args) as client:
            return handlers[args.command](client, args)
    except ApiError as error:
        print(f"error {error}", file=sys.stderr)
        return 2
