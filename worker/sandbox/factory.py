"""Choosing a sandbox backend by name, or the best one this machine offers."""

from __future__ import annotations

import logging

from docker.errors import DockerException, ImageNotFound

from worker.sandbox.bubblewrap import BubblewrapSandbox
from worker.sandbox.docker_sandbox import DockerSandbox
from worker.sandbox.local import LocalSandbox
from worker.sandbox.runtime import DockerRuntime
from worker.sandbox.spec import Sandbox, SandboxUnavailableError

logger = logging.getLogger(__name__)

BACKENDS = ("docker", "bubblewrap", "local")
UNSAFE_LOCAL_ENV = "RAMPLAB_ALLOW_UNSAFE_LOCAL"


def get_sandbox(
    name: str | None,
    *,
    allow_unsafe_local: bool,
    docker_runtime: DockerRuntime | None = None,
) -> Sandbox:
    """Return the backend called `name`, or with None the best available one.

    Auto-detection prefers Docker (if a daemon answers), then bubblewrap (if `bwrap` can
    create namespaces here), then the unisolated local backend, only when
    `allow_unsafe_local` is set. Raises `SandboxUnavailableError` saying what to do.
    """
    if name is None:
        return _detect(allow_unsafe_local=allow_unsafe_local, docker_runtime=docker_runtime)
    if name == "docker":
        if not DockerSandbox.available():
            raise SandboxUnavailableError(
                "the docker sandbox needs a Docker daemon, and none answers "
                "(is dockerd running, and may this user use /var/run/docker.sock?)"
            )
        return _docker(docker_runtime)
    if name == "bubblewrap":
        if not BubblewrapSandbox.available():
            raise SandboxUnavailableError(
                "the bubblewrap sandbox needs `bwrap` >= 0.8 and `prlimit` installed, and user "
                "namespaces enabled (try: bwrap --unshare-all --ro-bind / / true)"
            )
        return BubblewrapSandbox()
    if name == "local":
        if not allow_unsafe_local:
            raise SandboxUnavailableError(_UNSAFE_LOCAL_REFUSED)
        return LocalSandbox()
    raise ValueError(f"unknown sandbox {name!r}; choose one of {', '.join(BACKENDS)}")


def _detect(*, allow_unsafe_local: bool, docker_runtime: DockerRuntime | None) -> Sandbox:
    docker_problem = None
    if DockerSandbox.available():
        try:
            return _docker(docker_runtime)
        except SandboxUnavailableError as error:
            # A daemon without our image (a laptop with Docker for other work) must not
            # stop the server when bubblewrap can isolate submissions just as well.
            docker_problem = error
    if BubblewrapSandbox.available():
        if docker_problem is not None:
            logger.warning("not using docker (%s); using bubblewrap", docker_problem)
        return BubblewrapSandbox()
    if docker_problem is not None:
        raise docker_problem
    if allow_unsafe_local:
        return LocalSandbox()
    raise SandboxUnavailableError(
        "no sandbox works on this machine: start Docker, or install bubblewrap "
        f"(apt-get install bubblewrap). {_UNSAFE_LOCAL_REFUSED}"
    )


def _docker(runtime: DockerRuntime | None) -> DockerSandbox:
    sandbox = DockerSandbox(runtime=runtime)
    try:
        sandbox.client.images.get(sandbox.runtime.image)
    except ImageNotFound as error:
        raise SandboxUnavailableError(
            f"the docker sandbox image {sandbox.runtime.image!r} is missing; build it with "
            f"`docker build -f worker/Dockerfile -t {sandbox.runtime.image} .`"
        ) from error
    except DockerException as error:
        raise SandboxUnavailableError(f"docker does not answer: {error}") from error
    return sandbox


_UNSAFE_LOCAL_REFUSED = (
    "The local sandbox runs submissions as this user with no isolation at all (they can "
    "read your files and credentials and use the network); it is refused unless you allow "
    f"it explicitly, on your own machine only, with {UNSAFE_LOCAL_ENV}=1."
)

__all__ = ["BACKENDS", "UNSAFE_LOCAL_ENV", "get_sandbox"]
