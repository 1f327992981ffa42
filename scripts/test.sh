#!/usr/bin/env bash
# The test command: sets everything up, then lint, format check, types, and the tests.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/problems -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "[test] ruff check" >&2
ruff check .
echo "[test] ruff format --check" >&2
ruff format --check .
echo "[test] mypy problems/kit worker/cli/test_daemon" >&2
mypy problems/kit worker/cli/test_daemon
echo "[test] pytest" >&2
# pytest exits 5 when it collected no test: that is a failure here too.
exec pytest "$@"
