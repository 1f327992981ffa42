#!/usr/bin/env bash
# Sets up everything ramplab needs on a Debian machine, idempotently:
# system packages, services, the Docker daemon and test image, the virtualenv
# (torch's CPU wheel first) and the front-end packages.
# Usage: scripts/setup.sh [--no-system]   (--no-system: only the Python/npm parts)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

system=1
[ "${1:-}" = "--no-system" ] && system=0

if [ "$system" = 1 ]; then
    missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v bwrap >/dev/null || missing+=(bubblewrap)
    command -v chromium >/dev/null || missing+=(chromium)
    command -v wrk >/dev/null || missing+=(wrk)  # bench/leaderboard.py's load generator
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        if [ "$(id -u)" != 0 ]; then echo "need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    scripts/start-services.sh
    scripts/start-dockerd.sh
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; assert sys.version_info >= (3, 11), "ramplab needs Python >= 3.11"'
if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    "$python" -m venv .venv
fi
# torch first, pinned: a looser requirement would pull the multi-GB CUDA build.
if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
    log "installing torch 2.13.0 (CPU)"
    .venv/bin/pip install -q torch==2.13.0
fi
stamp=.venv/.ramplab-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing ramplab and its dependencies"
    .venv/bin/pip install -q -e '.[dev,torch,rampwf]'
    touch "$stamp"
fi

if [ -f frontend/package.json ] && command -v npm >/dev/null; then
    if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules ]; then
        log "installing front-end packages"
        npm ci --prefix frontend --no-audit --no-fund --silent
    fi
fi

if [ "$system" = 1 ] && [ -x scripts/build-test-image.sh ]; then
    scripts/build-test-image.sh
fi
log "ready"
