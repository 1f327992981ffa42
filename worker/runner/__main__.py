"""``python -m worker.runner --job /job``: the process started inside every sandbox."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .layout import JOB_ROOT
from .run import run_job


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker.runner")
    parser.add_argument("--job", type=Path, default=Path(JOB_ROOT), help="the job folder")
    args = parser.parse_args(argv)
    return run_job(args.job)


if __name__ == "__main__":
    sys.exit(main())
