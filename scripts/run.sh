#!/usr/bin/env bash
# The main job: set up, then check the titanic starting kit with `ramplab test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/ramplab test --kit-dir problems/titanic --submission starting_kit "$@"
