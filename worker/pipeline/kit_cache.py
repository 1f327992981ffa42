"""A kit, its data and its folds, loaded once per worker process and reused per job.

Loading a kit means importing problem.py, reading the train and test data and computing
the folds; for big kits that dominates a short job. The cache is keyed by the kit path
and a fingerprint of its files' modification times, so an organiser's update is picked
up by the next job. Each version is also written to disk once, in the two read-only
folders every sandbox of that kit mounts: the kit without its data, and the inputs.
"""

from __future__ import annotations

import atexit
import os
import pickle
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from problems.kit import Kit, load_kit
from problems.kit.engine import load_kit_data
from problems.kit.protocols import Fold
from worker.config import get_worker_config
from worker.runner import layout

#: Never copied into a sandbox: test labels (data/), other code (submissions/), clutter.
KIT_COPY_IGNORED = ("data", "submissions", "__pycache__", "training_output", ".*")
#: Kept per process; an old version is dropped when its kit changes.
MAX_CACHED_KITS = 8


@dataclass(frozen=True)
class LoadedKit:
    """A kit with its data; `kit_copy` and `input_dir` are ready to mount read-only."""

    kit: Kit
    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any
    folds: list[Fold]
    kit_copy: Path
    input_dir: Path
    #: Input-only data folders the kit's X points at (images by id), mounted read-only
    #: at their own path; see Kit.sandbox_data_paths.
    data_mounts: tuple[Path, ...] = ()


_lock = threading.Lock()
_cache: dict[tuple[str, float], LoadedKit] = {}
_cache_root: Path | None = None


def load_cached_kit(kit_path: str | Path) -> LoadedKit:
    """The kit at `kit_path` with its data and folds; raises KitError when it is broken."""
    path = Path(kit_path).resolve()
    key = (str(path), _fingerprint(path))
    # One lock for all kits: the first job of a kit loads it, the others wait for it
    # rather than load it again (loading is what the cache is there to avoid).
    with _lock:
        loaded = _cache.get(key)
        if loaded is None:
            for old_key in [k for k in _cache if k[0] == key[0]]:
                _forget(old_key)
            if len(_cache) >= MAX_CACHED_KITS:
                _forget(next(iter(_cache)))
            loaded = _load(path, _version_dir(key))
            _cache[key] = loaded
        return loaded


def clear_kit_cache() -> None:
    """Forget every cached kit (tests; a worker never needs to)."""
    with _lock:
        for key in list(_cache):
            _forget(key)


def _fingerprint(path: Path) -> float:
    # problem.py, helper modules and data files; not submissions (the sandbox gets the
    # submission from the database) and not caches.
    latest = 0.0
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d not in ("submissions", "__pycache__")]
        for name in files:
            try:
                latest = max(latest, os.stat(os.path.join(root, name)).st_mtime)
            except FileNotFoundError:
                continue
    return latest


def _load(path: Path, version_dir: Path) -> LoadedKit:
    kit = load_kit(path)
    data = load_kit_data(kit)
    X_train, y_train, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
    folds = data.folds
    kit_copy = version_dir / "kit"
    shutil.copytree(path, kit_copy, ignore=shutil.ignore_patterns(*KIT_COPY_IGNORED))
    input_dir = version_dir / layout.INPUT_DIR
    input_dir.mkdir()
    inputs = {"X_train": X_train, "y_train": y_train, "X_test": X_test, "folds": folds}
    for name in layout.INPUT_FILES:
        with (input_dir / f"{name}{layout.INPUT_SUFFIX}").open("wb") as stream:
            pickle.dump(inputs[name], stream, protocol=pickle.HIGHEST_PROTOCOL)
    make_world_readable(version_dir)
    return LoadedKit(
        kit=kit,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        folds=folds,
        kit_copy=kit_copy,
        input_dir=input_dir,
        data_mounts=tuple(kit.sandbox_data_paths()),
    )


def make_world_readable(root: Path) -> None:
    """Let the sandbox's unprivileged user read `root` (files 0644, folders 0755)."""
    root.chmod(0o755)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)


def _version_dir(key: tuple[str, float]) -> Path:
    global _cache_root
    if _cache_root is None:
        parent = get_worker_config().resolved_work_dir()
        _cache_root = Path(tempfile.mkdtemp(prefix=f"kits-{os.getpid()}-", dir=parent))
        atexit.register(shutil.rmtree, _cache_root, True)
    version_dir = Path(tempfile.mkdtemp(dir=_cache_root, prefix=Path(key[0]).name + "-"))
    return version_dir


def _forget(key: tuple[str, float]) -> None:
    loaded = _cache.pop(key)
    shutil.rmtree(loaded.kit_copy.parent, ignore_errors=True)
