"""``ramplab test``: output, exit codes, --json, --save-output, broken kits."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from worker.cli import main

TINY_KIT = Path(__file__).parents[1] / "fixtures" / "tiny_kit"
SCORES = {"acc", "nll"}


@pytest.fixture
def kit_copy(tmp_path: Path) -> Path:
    """The tiny kit plus a submission with a syntax error (not shipped: ruff would fail)."""
    target = tmp_path / "kit"
    shutil.copytree(TINY_KIT, target)
    syntax_error = target / "submissions" / "syntax_error"
    syntax_error.mkdir()
    (syntax_error / "estimator.py").write_text(
        "from sklearn.linear_model import LogisticRegression\n\n\n"
        "def get_estimator(:\n    return LogisticRegression()\n"
    )
    return target


def _ramplab(*args: str) -> int:
    return main(["test", "--n-jobs", "1", *args])


def test_starting_kit_prints_fold_mean_and_bagged_tables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _ramplab("--kit-dir", str(TINY_KIT)) == 0
    out, err = capsys.readouterr()
    assert "Testing Tiny binary classification: submission starting_kit" in out
    assert out.count("CV fold") == 4
    assert "Mean CV scores" in out and "±" in out
    bagged = out.split("Bagged scores")[1].splitlines()
    assert bagged[1].split() == ["score", "acc", "nll"]
    assert bagged[2].split()[0] == "valid" and bagged[3].split()[0] == "test"
    assert len(bagged[2].split()[1].split(".")[1]) == 3  # the score's precision
    assert "fold 4/4 done" in err


def test_json_schema(tmp_path: Path) -> None:
    target = tmp_path / "scores.json"
    assert _ramplab("--kit-dir", str(TINY_KIT), "--json", str(target), "--quick-test") == 0
    document = json.loads(target.read_text())
    assert document["submission"] == "starting_kit"
    assert len(document["folds"]) == 2
    for fold in document["folds"]:
        assert set(fold) == {"train", "valid", "test", "times"}
        for step in ("train", "valid", "test"):
            assert set(fold[step]) == SCORES
            assert all(math.isfinite(v) for v in fold[step].values())
        assert set(fold["times"]) == {"train", "valid", "test"}
    assert set(document["bagged"]) == {"valid", "test"}
    assert set(document["bagged"]["test"]) == SCORES


def test_all_submissions_json_is_a_list_and_failures_exit_1(tmp_path: Path, kit_copy: Path) -> None:
    target = tmp_path / "all.json"
    code = _ramplab("--kit-dir", str(kit_copy), "--submission", "ALL", "--json", str(target))
    assert code == 1
    documents = json.loads(target.read_text())
    by_name = {d["submission"]: d for d in documents}
    assert set(by_name) == {
        "starting_kit",
        "syntax_error",
        "fit_error",
        "bad_shape",
        "nan_predictions",
    }
    assert "bagged" in by_name["starting_kit"]
    assert by_name["fit_error"]["error"]["kind"] == "training_error"
    assert by_name["syntax_error"]["error"]["kind"] == "import_error"


@pytest.mark.parametrize(
    ("submission", "kind", "line"),
    [
        ("syntax_error", "import_error", 4),
        ("fit_error", "training_error", 6),
        ("bad_shape", "bad_predictions", 11),
        ("nan_predictions", "bad_predictions", 11),
    ],
)
def test_broken_submission_exits_1_with_its_own_traceback(
    kit_copy: Path, capsys: pytest.CaptureFixture[str], submission: str, kind: str, line: int
) -> None:
    assert _ramplab("--kit-dir", str(kit_copy), "--submission", submission) == 1
    err = capsys.readouterr().err
    assert f"Submission {submission} failed on fold 0: {kind}" in err
    estimator = kit_copy.resolve() / "submissions" / submission / "estimator.py"
    assert f'File "{estimator}", line {line}' in err
    traceback = err.split("Traceback (most recent call last):")[1]
    assert "problems/kit" not in traceback and "site-packages" not in traceback


def _break(kit_dir: Path, old: str, new: str) -> None:
    problem = kit_dir / "problem.py"
    source = problem.read_text()
    assert old in source
    problem.write_text(source.replace(old, new))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("def get_cv(X, y):", "def _no_cv(X, y):", "get_cv() is missing"),
        ("def get_cv(X, y):", "def get_cv(X, y)", "syntax error at line"),
        (
            "kit.predictions.Multiclass):\n    label_names",
            "kit.predictions.Regression):\n    label_names",
            "Score type 'acc'",
        ),
        ("random_state=0", "random_state='x'", "get_cv failed"),
    ],
    ids=["no_get_cv", "syntax_error", "score_type_mismatch", "get_cv_raises"],
)
def test_broken_kit_exits_2_with_one_clear_message(
    kit_copy: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    _break(kit_copy, old, new)
    assert _ramplab("--kit-dir", str(kit_copy)) == 2
    err = capsys.readouterr().err
    assert err.startswith("Broken kit: ")
    assert message in err
    assert "Traceback" not in err


def test_missing_data_file_exits_2(kit_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (kit_copy / "data" / "test.csv").unlink()
    assert _ramplab("--kit-dir", str(kit_copy)) == 2
    err = capsys.readouterr().err
    assert "could not find a data file" in err and "test.csv" in err


def test_unknown_submission_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _ramplab("--kit-dir", str(TINY_KIT), "--submission", "nope") == 2
    assert "no submission 'nope'" in capsys.readouterr().err


def test_save_output_writes_training_output(kit_copy: Path) -> None:
    assert _ramplab("--kit-dir", str(kit_copy), "--save-output", "--quick-test") == 0
    output = kit_copy / "submissions" / "starting_kit" / "training_output"
    assert (output / "bagged_scores.csv").is_file()
    assert sorted(p.name for p in output.glob("fold_*")) == ["fold_0", "fold_1"]
    assert (output / "fold_1" / "y_pred_test.npz").is_file()


def test_data_dir_can_differ_from_the_kit_dir(tmp_path: Path, kit_copy: Path) -> None:
    data_home = tmp_path / "elsewhere"
    shutil.move(kit_copy / "data", data_home / "data")
    assert _ramplab("--kit-dir", str(kit_copy), "--quick-test") == 2
    code = _ramplab("--kit-dir", str(kit_copy), "--data-dir", str(data_home), "--quick-test")
    assert code == 0


def test_help_lists_the_test_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "test" in capsys.readouterr().out
