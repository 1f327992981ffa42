"""Every kit under problems/ runs its starting kit end to end (quick test).

Kits are discovered, not listed: a kit added to problems/ is covered automatically.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from worker.cli import main

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
KITS = sorted(path.parent for path in PROBLEMS.glob("*/problem.py"))


def test_kits_are_discovered() -> None:
    assert all((kit / "problem.py").is_file() for kit in KITS)


@pytest.mark.parametrize("kit_dir", KITS, ids=[kit.name for kit in KITS])
def test_starting_kit_runs_end_to_end(
    kit_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "scores.json"
    code = main(["test", "--kit-dir", str(kit_dir), "--quick-test", "--json", str(report)])
    assert code == 0, capsys.readouterr().err
    document = json.loads(report.read_text())
    assert document["submission"] == "starting_kit"
    assert document["folds"], "no folds were scored"
    for step in ("valid", "test"):
        scores = document["bagged"][step]
        assert scores, f"no bagged {step} scores"
        assert all(math.isfinite(value) for value in scores.values()), scores
