"""`python -m problems.kit.evaluate`: one model on all the training data, scored on test."""

from pathlib import Path

import pytest

from problems.kit import load_kit
from problems.kit.evaluate import main, score_on_test

IRIS = Path(__file__).resolve().parents[3] / "problems" / "iris"


def test_scores_every_score_type_on_the_test_set():
    kit = load_kit(IRIS)
    scores, cpu_seconds = score_on_test(kit, kit.submissions_dir / "random_forest")
    assert list(scores) == [score_type.name for score_type in kit.score_types]
    assert scores["accuracy"] == pytest.approx(1 - scores["error"])
    assert scores["accuracy"] > 0.8
    assert cpu_seconds >= 0


def test_command_line_prints_each_score(capsys):
    assert main([str(IRIS)]) == 0
    printed = capsys.readouterr().out
    assert "accuracy" in printed and "nll" in printed


def test_command_line_without_a_kit_prints_usage(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
