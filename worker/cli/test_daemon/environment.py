"""What a daemon must share with a command it runs, and where daemons live.

Standard library only: the client computes this before every ``ramplab test``, and
must stay far cheaper than the imports it saves.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import stat
import sys
from pathlib import Path
from typing import Any

#: Environment variables read when libraries are imported or loaded (thread pools,
#: allocators, locale, import paths). A daemon started under other values would not
#: behave like a fresh process, so they are part of the key; other variables are
#: simply handed to each run.
_KEY_VARIABLE_PREFIXES = (
    "PYTHON",
    "OMP_",
    "GOMP_",
    "KMP_",
    "OPENBLAS_",
    "GOTO",
    "MKL_",
    "BLIS_",
    "VECLIB_",
    "NUMEXPR_",
    "SKLEARN_",
    "SCIPY_",
    "JOBLIB_",
    "LD_",
    "MALLOC_",
    "LC_",
)
_KEY_VARIABLES = ("LANG", "HOME", "TMPDIR", "RAMPLAB_TEST_DAEMON_PRELOAD")
_KEY_RLIMITS = (
    *("RLIMIT_AS", "RLIMIT_DATA", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CPU"),
    *("RLIMIT_STACK", "RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_MEMLOCK"),
)
_NAMESPACES = ("mnt", "pid", "net", "user", "ipc", "uts", "cgroup")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except OSError:
        return ""


def _namespace(name: str) -> str:
    try:
        return os.readlink(f"/proc/self/ns/{name}")
    except OSError:
        return ""


def environment_key() -> dict[str, Any]:
    """Everything a forked child inherits from the daemon rather than from its command."""
    return {
        "executable": sys.executable,
        "version": sys.version,
        "path": sys.path,
        "flags": list(sys.flags),
        "warnoptions": sys.warnoptions,
        "xoptions": sorted(map(str, sys._xoptions.items())),
        "variables": sorted(
            (name, value)
            for name, value in os.environ.items()
            if name.startswith(_KEY_VARIABLE_PREFIXES) or name in _KEY_VARIABLES
        ),
        "ids": [os.getuid(), os.getgid(), sorted(os.getgroups())],
        "rlimits": [list(resource.getrlimit(getattr(resource, n))) for n in _KEY_RLIMITS],
        "priority": os.getpriority(os.PRIO_PROCESS, 0),
        "cpus": sorted(os.sched_getaffinity(0)),
        "cgroup": _read("/proc/self/cgroup"),
        "namespaces": [_namespace(name) for name in _NAMESPACES],
    }


def key_digest(key: dict[str, Any]) -> str:
    """A short name for ``key`` (the daemon's socket is named after it)."""
    encoded = json.dumps(key, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:24]


def runtime_dir() -> Path | None:
    """This user's daemon folder, created 0700; None when it is not safe to use.

    ``$RAMPLAB_TEST_DAEMON_DIR``, else ``$XDG_RUNTIME_DIR/ramplab``, else
    ``/tmp/ramplab-<uid>``. A folder that exists but is a symlink, is someone else's or
    is open to others is refused: whoever controls it could answer in the daemon's place.
    """
    configured = os.environ.get("RAMPLAB_TEST_DAEMON_DIR")
    if configured:
        folder = Path(configured)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        folder = Path(os.environ["XDG_RUNTIME_DIR"]) / "ramplab"
    else:
        folder = Path("/tmp") / f"ramplab-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o077
    return folder if private and info.st_uid == os.getuid() else None


ModuleFiles = dict[str, tuple[int, int]]


def loaded_module_files() -> ModuleFiles:
    """``path -> (mtime_ns, size)`` of every imported module's file."""
    files: ModuleFiles = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path not in files:
            try:
                info = os.stat(path)
            except OSError:
                continue
            files[path] = (info.st_mtime_ns, info.st_size)
    return files


def first_changed_file(files: ModuleFiles) -> str | None:
    """A file of ``files`` that changed or vanished since, or None."""
    for path, (mtime_ns, size) in files.items():
        try:
            info = os.stat(path)
        except OSError:
            return path
        if (info.st_mtime_ns, info.st_size) != (mtime_ns, size):
            return path
    return None
