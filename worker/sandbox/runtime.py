"""What a sandbox needs to run Python: an interpreter, its libraries and our runner code.

Production Docker uses the sandbox image, which has Python and the runner installed at
/opt/ramplab. Bubblewrap, and Docker on machines that cannot pull images (CI, tests),
use the *host's* interpreter instead: its installation, the project's virtualenv and the
system libraries are bind-mounted read-only at the same paths, so `sys.executable` works
unchanged inside. Only the code meant to run in the sandbox is mounted from the project
(`problems/kit`, `worker/runner`), never the problem kits' data folders (test labels).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from worker.sandbox.spec import Mount

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The project files that run inside the sandbox (see DESIGN.md, "The trust boundary").
SANDBOXED_PROJECT_FILES = (
    "problems/__init__.py",
    "problems/kit",
    "worker/__init__.py",
    "worker/runner",
)
#: System folders the interpreter's shared libraries (libc, libm, libssl...) live in.
SYSTEM_LIBRARY_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin")

PRODUCTION_IMAGE = "ramplab-runner:latest"  # server.settings.sandbox_image
TEST_IMAGE = "ramplab-test-base"


def host_python_mounts(project_root: Path = PROJECT_ROOT) -> tuple[Mount, ...]:
    """Read-only mounts that make this process's interpreter usable inside a sandbox."""
    paths: list[Path] = []
    for name in SYSTEM_LIBRARY_DIRS:
        path = Path(name)
        # /lib is often a symlink to /usr/lib; binding it resolves the link, which works
        # but is redundant when /usr is already mounted.
        if path.exists() and not (path.is_symlink() and path.resolve().is_relative_to("/usr")):
            paths.append(path)
    paths.append(Path(sys.base_prefix))
    if sys.prefix != sys.base_prefix:
        paths.append(Path(sys.prefix))
    paths.extend(project_root / name for name in SANDBOXED_PROJECT_FILES)
    return tuple(Mount(path, str(path)) for path in paths if path.exists())


def host_symlinks() -> dict[str, str]:
    """Top-level symlinks of the host (/lib -> usr/lib ...) to recreate in an empty root."""
    links = {}
    for name in SYSTEM_LIBRARY_DIRS:
        path = Path(name)
        if path.is_symlink() and path.resolve().is_relative_to("/usr"):
            links[name] = str(path.readlink())
    return links


def host_python_env(project_root: Path = PROJECT_ROOT) -> dict[str, str]:
    """Environment the host interpreter needs inside (the runner's import path)."""
    return {"PYTHONPATH": str(project_root), "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass(frozen=True)
class DockerRuntime:
    """The image a Docker sandbox starts from, plus what it adds to every run."""

    image: str = PRODUCTION_IMAGE
    python: str = "/opt/venv/bin/python"  # both worker/Dockerfile and Dockerfile.cuda
    mounts: tuple[Mount, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def host_python(cls, image: str = TEST_IMAGE) -> DockerRuntime:
        """An empty image running the host's interpreter through read-only bind mounts."""
        return cls(
            image=image,
            python=sys.executable,
            mounts=_with_linked_system_dirs(host_python_mounts()),
            env=host_python_env(),
        )


def _with_linked_system_dirs(mounts: tuple[Mount, ...]) -> tuple[Mount, ...]:
    # An empty image has no /lib -> usr/lib symlink; Docker cannot create one, so the
    # linked folders are bound directly (Docker resolves the link on the host side).
    extra = tuple(Mount(Path(link), link) for link in host_symlinks())
    return extra + mounts
