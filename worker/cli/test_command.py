"""``ramplab test``: train and score a kit's submissions locally, like ``ramp-test``.

Exit codes: 0 when every submission was scored, 1 when a submission failed (its
failure kind and traceback are printed), 2 when the kit itself is broken.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from problems.kit import Kit, KitError, load_kit
from problems.kit.engine import (
    FoldEvent,
    KitData,
    ProgressCallback,
    SubmissionFailure,
    load_kit_data,
    ramp_test_mode,
    run_submission_locally,
    save_training_output,
)

from .score_table import full_report

EXIT_OK, EXIT_SUBMISSION_FAILED, EXIT_BROKEN_KIT = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``ramplab test`` (those of ``ramp-test`` that matter here)."""
    parser.add_argument("--kit-dir", default=".", help="the kit folder (default: .)")
    parser.add_argument(
        "--data-dir", default=None, help="the folder holding data/ (default: the kit folder)"
    )
    parser.add_argument(
        "--submission",
        default="starting_kit",
        help="a folder of <kit>/submissions, or ALL for every one (default: starting_kit)",
    )
    parser.add_argument(
        "--quick-test",
        action="store_true",
        help="a few hundred rows and 2 folds (sets RAMP_TEST_MODE=1, as ramp-test does)",
    )
    parser.add_argument(
        "--save-output",
        action="store_true",
        help="write submissions/<name>/training_output/ in ramp-test's layout",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the scores here")
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="folds trained at once (default: all CPUs)"
    )
    parser.add_argument(
        "--no-daemon",
        action="store_true",
        help="run in this process, not in the background process that keeps the "
        "libraries imported (also: RAMPLAB_TEST_DAEMON=0)",
    )
    parser.add_argument(
        "--stop-daemon", action="store_true", help="stop your background test processes"
    )


def _progress(stream: TextIO) -> ProgressCallback:
    def report(event: FoldEvent) -> None:
        if event.kind == "started":
            print(f"  fold {event.fold + 1}/{event.n_folds} started", file=stream, flush=True)
        else:
            print(
                f"  fold {event.fold + 1}/{event.n_folds} done in {event.seconds:.1f} s",
                file=stream,
                flush=True,
            )

    return report


def _submission_names(kit: Kit, requested: str) -> list[str]:
    available = [name for name in kit.submission_names() if not name.startswith((".", "__"))]
    if requested == "ALL":
        if not available:
            raise KitError(f"{kit.submissions_dir} holds no submission folders.")
        return available
    if requested not in available:
        raise KitError(
            f"There is no submission {requested!r} in {kit.submissions_dir} "
            f"(found: {', '.join(available) or 'none'})."
        )
    return [requested]


def _test_one(kit: Kit, name: str, data: KitData, args: argparse.Namespace) -> dict[str, Any]:
    submission_dir = kit.submissions_dir / name
    print(f"Training {submission_dir} ...", file=sys.stderr, flush=True)
    try:
        scores, fold_predictions = run_submission_locally(
            kit, submission_dir, data, n_jobs=args.n_jobs, progress=_progress(sys.stderr)
        )
    except SubmissionFailure as failure:
        report = failure.report
        where = f" on fold {report.fold}" if report.fold is not None else ""
        print(f"Submission {name} failed{where}: {report.kind}", file=sys.stderr)
        print(report.traceback.rstrip(), file=sys.stderr, flush=True)
        return {"submission": name, "error": report.to_json()}
    print(full_report(kit.title, name, scores), flush=True)
    if args.save_output:
        output = save_training_output(submission_dir, scores, fold_predictions)
        print(f"Training output written to {output}", file=sys.stderr)
    return {"submission": name, **scores.to_json()}


def run(args: argparse.Namespace) -> int:
    """Test the requested submissions; return the exit code."""
    if args.stop_daemon:
        from .test_daemon.client import stop_command

        return stop_command()
    kit_dir = Path(args.kit_dir)
    data_dir = Path(args.data_dir) if args.data_dir is not None else kit_dir
    try:
        kit = load_kit(kit_dir)
        names = _submission_names(kit, args.submission)
        data = load_kit_data(kit, data_dir, quick_test=args.quick_test)
    except KitError as error:
        print(f"Broken kit: {error}", file=sys.stderr)
        return EXIT_BROKEN_KIT
    results = []
    # Submissions may read RAMP_TEST_MODE too, as under ramp-test --quick-test.
    with ramp_test_mode(args.quick_test):
        for name in names:
            results.append(_test_one(kit, name, data, args))
    if args.json is not None:
        document: Any = results if args.submission == "ALL" else results[0]
        args.json.write_text(json.dumps(document, indent=2), encoding="utf-8")
    failed = any("error" in result for result in results)
    return EXIT_SUBMISSION_FAILED if failed else EXIT_OK
