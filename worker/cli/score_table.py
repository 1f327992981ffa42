"""Plain-text score tables for ``ramplab test`` (the layout of ramp-test's)."""

from __future__ import annotations

from problems.kit.engine import SubmissionScores

_STEPS = ("train", "valid", "test")
_TIME_PRECISION = 2


def _table(header: list[str], rows: list[list[str]], indent: str = "    ") -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append(indent + "  ".join(cells))
    return "\n".join(lines)


def fold_table(scores: SubmissionScores, fold: int) -> str:
    """Rows train/valid/test, columns every score and the time, at each score's precision."""
    fold_scores = scores.folds[fold]
    header = ["score", *scores.score_names, "time"]
    rows = []
    for step in _STEPS:
        values = fold_scores.step(step)
        if not values:
            continue
        row = [step]
        row += [f"{values[n]:.{p}f}" for n, p in zip(scores.score_names, scores.precisions)]
        row.append(f"{getattr(fold_scores.times, step):.{_TIME_PRECISION}f}")
        rows.append(row)
    return _table(header, rows)


def mean_table(scores: SubmissionScores) -> str:
    """Mean ± standard deviation over folds (the std one digit finer, as ramp-test)."""
    header = ["score", *scores.score_names, "time"]
    precisions = [*scores.precisions, _TIME_PRECISION]
    rows = []
    for step in _STEPS:
        stats = scores.mean_std(step)
        if not stats or not any(scores.folds[0].step(step)):
            continue
        row = [step]
        for name, precision in zip(header[1:], precisions):
            mean, std = stats[name]
            row.append(f"{mean:.{precision}f} ± {std:.{precision + 1}f}")
        rows.append(row)
    return _table(header, rows)


def bagged_table(scores: SubmissionScores) -> str:
    """The bagged valid (public) and test (private) scores."""
    header = ["score", *scores.score_names]
    rows = []
    for step, values in (("valid", scores.bagged.valid), ("test", scores.bagged.test)):
        if values:
            row = [step]
            row += [f"{values[n]:.{p}f}" for n, p in zip(scores.score_names, scores.precisions)]
            rows.append(row)
    return _table(header, rows)


def full_report(title: str, submission: str, scores: SubmissionScores) -> str:
    """Every fold's table, the mean ± std over folds, and the bagged scores."""
    parts = [f"Testing {title}: submission {submission}"]
    for i in range(len(scores.folds)):
        parts += [f"CV fold {i}", fold_table(scores, i)]
    parts += ["Mean CV scores", mean_table(scores), "Bagged scores", bagged_table(scores)]
    return "\n".join(parts)
