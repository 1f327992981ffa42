"""``ramplab blend``: blend the saved predictions of a kit's submissions, like ``ramp-blend``.

Reads every submission's ``training_output/`` (written by ``ramplab test --save-output``
or ``ramp-test --save-output``), selects a greedy ensemble per fold on the official
score, and prints each submission's contributivity and the combined and fold-wise best
scores. Exit codes: 0 on success, 2 when the kit or the saved outputs cannot be used.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from problems.kit import Kit, KitError, load_kit
from problems.kit.blending import BlendResult, SubmissionOutput, blend
from problems.kit.engine.output import saved_fold_dirs, training_output_dir

EXIT_OK, EXIT_UNUSABLE = 0, 2
# Threads reading saved predictions: decompression scales with cores, a few suffice.
READ_THREADS = min(4, os.cpu_count() or 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``ramplab blend`` (those of ``ramp-blend`` that matter here)."""
    parser.add_argument("--kit-dir", default=".", help="the kit folder (default: .)")
    parser.add_argument(
        "--data-dir", default=None, help="the folder holding data/ (default: the kit folder)"
    )
    parser.add_argument(
        "--submissions-dir",
        default=None,
        help="the folder of submission folders (default: <kit>/submissions)",
    )
    parser.add_argument(
        "--submissions",
        nargs="+",
        default=None,
        metavar="NAME",
        help="submissions to blend (default: every one with a training_output/)",
    )
    parser.add_argument(
        "--min-improvement",
        type=float,
        default=0.0,
        help="a submission joins an ensemble only if it improves the score by more than this",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")


def saved_submission_names(submissions_dir: Path) -> list[str]:
    """Sorted names of the folders of ``submissions_dir`` that have a training output."""
    if not submissions_dir.is_dir():
        return []
    return sorted(
        child.name
        for child in submissions_dir.iterdir()
        if (child / "training_output").is_dir() and not child.name.startswith((".", "__"))
    )


def load_submission_outputs(
    submissions_dir: Path, names: Sequence[str], valid_indices: Sequence[Any]
) -> list[SubmissionOutput]:
    """Each submission's saved fold predictions, cut to the folds' valid rows.

    Only what a blend needs is read: the training predictions now, in threads (most
    of the time goes to decompressing them, and zlib releases the GIL while it does),
    and each fold's test predictions when the blend scores an ensemble holding the
    submission (see :class:`SavedPredictions`).

    Raises
    ------
    KitError
        When a submission has no training output or not one fold per CV fold.
    """
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        return list(
            pool.map(lambda name: _load_submission(submissions_dir, name, valid_indices), names)
        )


def _load_submission(
    submissions_dir: Path, name: str, valid_indices: Sequence[Any]
) -> SubmissionOutput:
    """One submission's :class:`SubmissionOutput` (see :func:`load_submission_outputs`)."""
    try:
        fold_dirs = saved_fold_dirs(training_output_dir(submissions_dir / name))
        train_paths = [fold_dir / "y_pred_train.npz" for fold_dir in fold_dirs]
        for path in train_paths:
            if not path.is_file():
                raise FileNotFoundError(f"{path} is missing.")
    except FileNotFoundError as error:
        raise KitError(f"Submission {name!r}: {error}") from error
    if len(fold_dirs) != len(valid_indices):
        raise KitError(
            f"Submission {name!r} saved {len(fold_dirs)} folds, "
            f"but the kit has {len(valid_indices)}: rerun it with --save-output."
        )
    valid = [_rows(_read_y_pred(path), v) for path, v in zip(train_paths, valid_indices)]
    test_paths = [fold_dir / "y_pred_test.npz" for fold_dir in fold_dirs]
    test = None
    if all(path.is_file() for path in test_paths):
        test = [SavedPredictions(path) for path in test_paths]
    return SubmissionOutput(name=name, valid=valid, test=test)


def _rows(array: NDArray[Any], valid_is: Any) -> NDArray[Any]:
    """``array[valid_is]``; np.take is a few times faster on the rows of a 2-D array."""
    indices = np.asarray(valid_is)
    if indices.dtype == bool:
        indices = np.flatnonzero(indices)
    return np.take(array, indices, axis=0)


#: numpy parses each .npy header with `ast.literal_eval`, and CPython 3.11's AST
#: construction is not thread-safe: parsed from several threads at once it fails with
#: "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905). So
#: the members are inflated in parallel (zlib releases the GIL) but parsed one at a time.
_PARSE_LOCK = threading.Lock()


def _read_y_pred(path: Path) -> NDArray[Any]:
    with zipfile.ZipFile(path) as archive:
        try:
            raw = archive.read("y_pred.npy")
        except KeyError as error:
            raise KitError(f"{path} holds no y_pred.") from error
    with _PARSE_LOCK:
        return np.asarray(np.load(io.BytesIO(raw), allow_pickle=False))


class SavedPredictions:
    """A saved ``y_pred``, read on first call and then kept.

    A blend reads a fold's test predictions only for its ensemble members, once per
    bagged score; most submissions' are never read.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._array: NDArray[Any] | None = None

    def __call__(self) -> NDArray[Any]:
        if self._array is None:
            self._array = _read_y_pred(self.path)
        return self._array


def blend_kit(
    kit: Kit,
    *,
    data_dir: str | Path | None = None,
    submissions_dir: Path | None = None,
    names: Sequence[str] | None = None,
    min_improvement: float = 0.0,
) -> BlendResult:
    """Blend the saved outputs of ``names`` (default: all saved) in ``kit``."""
    folder = submissions_dir if submissions_dir is not None else kit.submissions_dir
    chosen = list(names) if names else saved_submission_names(folder)
    if not chosen:
        raise KitError(f"No submission in {folder} has a training_output/ to blend.")
    X_train, y_train = kit.get_train_data(data_dir)
    _, y_test = kit.get_test_data(data_dir)
    valid_indices = [valid_is for _, valid_is in kit.get_cv(X_train, y_train)]
    return blend(
        load_submission_outputs(folder, chosen, valid_indices),
        Predictions=kit.Predictions,
        score_types=kit.score_types,
        y_train=y_train,
        valid_indices=valid_indices,
        y_test=y_test,
        min_improvement=min_improvement,
    )


def report(result: BlendResult, precisions: dict[str, int]) -> str:
    """Contributivities (%) and the combined / fold-wise best scores, as text."""
    lines = ["Contributivity (%)"]
    width = max(len(name) for name in result.contributivity)
    ranked = sorted(result.contributivity.items(), key=lambda item: -item[1])
    lines += [f"    {name:<{width}}  {100 * share:6.2f}" for name, share in ranked]
    for title, scores in (("Combined", result.combined), ("Foldwise best", result.foldwise_best)):
        lines.append(f"{title} bagged scores")
        for step, values in scores.items():
            cells = "  ".join(f"{k} = {v:.{precisions.get(k, 3)}f}" for k, v in values.items())
            lines.append(f"    {step:<5}  {cells}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Blend, print, and write ``--json`` if asked."""
    try:
        kit = load_kit(args.kit_dir)
        submissions_dir = Path(args.submissions_dir) if args.submissions_dir else None
        result = blend_kit(
            kit,
            data_dir=args.data_dir,
            submissions_dir=submissions_dir,
            names=args.submissions,
            min_improvement=args.min_improvement,
        )
    except KitError as error:
        print(f"ramplab blend: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(f"Blending {kit.title}: {len(result.submissions)} submissions")
    print(report(result, {st.name: int(st.precision) for st in kit.score_types}))
    if args.json is not None:
        args.json.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
    return EXIT_OK
