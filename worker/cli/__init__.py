"""The ``ramplab`` command line.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code). Modules are imported only when their subcommand
runs, so ``ramplab test`` does not pay for the web server's or Celery's imports. To add
a subcommand, add one line to :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: name -> (module implementing it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "test": ("worker.cli.test_command", "Train and score submissions of a kit locally."),
    "serve": ("worker.cli.serve_command", "Run the web app and an in-process worker."),
    "submit": ("worker.cli.client_commands", "Submit code to an event on a server."),
    "status": ("worker.cli.client_commands", "Show your submissions' states and scores."),
    "leaderboard": ("worker.cli.client_commands", "Show an event's leaderboard."),
    "admin": ("worker.cli.admin_command", "Create users, add problem kits, create events."),
    "worker": ("worker.cli.worker_command", "Start a Celery worker that scores submissions."),
    "blend": ("worker.cli.blend_command", "Blend saved submissions: contributivity, scores."),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``ramplab`` parser; only ``command``'s module is imported for its options."""
    parser = argparse.ArgumentParser(
        prog="ramplab", description="ramplab: RAMP-style data challenges."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            module.add_arguments(subparser)
            subparser.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ramplab`` with ``argv`` (``sys.argv[1:]`` by default); return the exit code.

    From the command line (``argv`` None), ``ramplab test`` runs through the test
    daemon (:mod:`worker.cli.test_daemon`) when it can, and exits without tearing the
    interpreter down; a caller passing ``argv`` always runs it in its own process.
    """
    from_command_line = argv is None
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in arguments if not a.startswith("-")), None)
    if command == "test" and from_command_line:
        from .test_daemon import client

        if "--stop-daemon" in arguments:  # without importing the test command's stack
            return client.stop_command()
        code = client.run_through_daemon(arguments)
        if code is not None:
            return code
    args = build_parser(command if command in COMMANDS else None).parse_args(arguments)
    code = int(args.run(args))
    if command == "test" and from_command_line:
        from .fast_exit import finish

        finish(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
