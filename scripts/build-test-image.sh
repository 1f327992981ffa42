#!/usr/bin/env bash
# Build the empty base image the sandbox tests run in. CI machines cannot pull images, so
# the tests bind-mount the host's Python, virtualenv and system libraries read-only into a
# container made from this empty image (see worker/sandbox/runtime.py: host_python_runtime).
# Idempotent: does nothing when the image already exists.
set -euo pipefail

IMAGE="${1:-ramplab-test-base}"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    exit 0
fi

tar --create --file - --files-from /dev/null | docker import - "$IMAGE" >/dev/null
docker image inspect "$IMAGE" >/dev/null
echo "built $IMAGE"
