#!/usr/bin/env bash
# The main job: set up, then serve ramplab on the embedded default (SQLite and an
# in-process worker under $RAMPLAB_HOME, ~/.ramplab by default). The first start adds
# the iris and titanic events and prints the admin password once.
# Extra arguments go to `ramplab serve` (e.g. --host 0.0.0.0 --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/ramplab serve "$@"
