"""``ramplab blend`` on a kit's saved training outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from worker.cli import main


def test_blend_prints_contributivities_and_writes_json(
    titanic_blend_kit: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kit_dir, names = titanic_blend_kit
    out = tmp_path / "blend.json"
    assert main(["blend", "--kit-dir", str(kit_dir), "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    assert set(document) == {"contributivity", "combined", "foldwise_best"}
    assert set(document["contributivity"]) == set(names)
    assert sum(document["contributivity"].values()) == pytest.approx(1.0)
    for part in ("combined", "foldwise_best"):
        assert set(document[part]) == {"valid", "test"}
        assert set(document[part]["valid"]) == {"auc", "acc", "nll"}
    printed = capsys.readouterr().out
    assert "Contributivity (%)" in printed and "Combined bagged scores" in printed
    best = max(document["contributivity"], key=document["contributivity"].get)
    assert best in printed


def test_blend_only_the_named_submissions(
    titanic_blend_kit: tuple[Path, list[str]], tmp_path: Path
) -> None:
    kit_dir, names = titanic_blend_kit
    out = tmp_path / "two.json"
    chosen = names[:2]
    args = ["blend", "--kit-dir", str(kit_dir), "--submissions", *chosen, "--json", str(out)]
    assert main(args) == 0
    assert set(json.loads(out.read_text())["contributivity"]) == set(chosen)


def test_blend_without_saved_outputs_exits_2_and_says_why(
    titanic_blend_kit: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kit_dir, _ = titanic_blend_kit
    bare = tmp_path / "bare"
    shutil.copytree(kit_dir, bare, ignore=shutil.ignore_patterns("submissions"))
    (bare / "submissions").mkdir()
    assert main(["blend", "--kit-dir", str(bare)]) == 2
    assert "training_output" in capsys.readouterr().err
