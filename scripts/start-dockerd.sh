#!/usr/bin/env bash
# Start a Docker daemon on a bare machine (CI, development VM) if none answers yet.
# Idempotent: exits 0 at once when `docker info` already works.
# vfs storage and no iptables/bridge because CI VMs lack overlayfs-on-overlay and
# netfilter; sandboxes run with network_mode=none anyway.
set -euo pipefail

LOG=/var/log/dockerd.log
SOCKET=/var/run/docker.sock
WAIT_SECONDS=60

if docker info >/dev/null 2>&1; then
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    echo "dockerd not found; installing docker.io with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q docker.io
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "start-dockerd.sh: the daemon is not running and starting it needs root" >&2
    exit 1
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
    rm -f /var/run/docker.pid
    nohup dockerd --storage-driver=vfs --iptables=false --bridge=none >>"$LOG" 2>&1 &
fi

for _ in $(seq "$WAIT_SECONDS"); do
    if [ -S "$SOCKET" ] && docker info >/dev/null 2>&1; then
        exit 0
    fi
    sleep 1
done

echo "start-dockerd.sh: dockerd did not answer within ${WAIT_SECONDS}s; last log lines:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
