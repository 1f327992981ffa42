"""Kits whose X addresses files on disk (images by id) run in the sandbox too.

The pollenating insects kit names its image folder in ``sandbox_data``: the worker
mounts it read-only, and only it, so the submission reads images but not the labels
that sit beside them in data/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from problems.kit import KitError, load_kit
from worker.pipeline.execute import JobRequest, run_job
from worker.pipeline.kit_cache import clear_kit_cache
from worker.sandbox import Limits, get_sandbox
from worker.sandbox.spec import MiB

INSECTS = Path(__file__).resolve().parents[2] / "problems" / "pollenating_insects"
LABELS = INSECTS / "data" / "test.csv"


@pytest.fixture
def quick_insects(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RAMP_TEST_MODE", "1")
    clear_kit_cache()
    yield
    clear_kit_cache()


def _files(**extra: str) -> dict[str, bytes]:
    starting_kit = INSECTS / "submissions" / "starting_kit"
    files = {path.name: path.read_bytes() for path in starting_kit.glob("*.py")}
    files.update({name: text.encode() for name, text in extra.items()})
    return files


@pytest.mark.slow
def test_image_kit_is_scored_in_bubblewrap_and_cannot_read_its_labels(quick_insects):
    element = load_kit(INSECTS).element_names[0]
    snoop = (
        "import pathlib\n"
        f"assert not pathlib.Path({str(LABELS)!r}).exists(), 'test labels visible'\n"
        f"assert pathlib.Path({str(INSECTS / 'data' / 'imgs')!r}).is_dir()\n"
    )
    original = (INSECTS / "submissions" / "starting_kit" / f"{element}.py").read_text()
    request = JobRequest(
        submission_id=1,
        kit_path=str(INSECTS),
        files=_files(**{f"{element}.py": snoop + original}),
        limits=Limits(wall_seconds=300, memory_bytes=3072 * MiB, cpus=1, pids=128),
    )
    outcome = run_job(request, get_sandbox("bubblewrap", allow_unsafe_local=False))
    assert outcome.failure is None, outcome.failure
    assert outcome.scores is not None
    assert 0.0 <= outcome.scores.bagged.valid["accuracy"] <= 1.0


def test_sandbox_data_must_stay_inside_the_data_folder(tmp_path):
    kit_dir = tmp_path / "kit"
    (kit_dir / "data").mkdir(parents=True)
    problem = (INSECTS.parent / "iris" / "problem.py").read_text()
    (kit_dir / "problem.py").write_text(problem + '\nsandbox_data = [".."]\n')
    with pytest.raises(KitError, match="must be a folder inside data/"):
        load_kit(kit_dir).sandbox_data_paths()
