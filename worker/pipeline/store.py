"""Keeping a scored submission: prediction files on disk, fold and bagged scores in the DB.

Files are written to a staging folder first and moved into place only once the rows are
committed, so that an attempt that lost its submission (cancelled, or re-queued by the
sweep while it was still running) never overwrites the files of the one that owns it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from problems.kit.engine import save_training_output
from problems.kit.engine.scoring import SubmissionScores
from problems.kit.engine.train import FoldPredictions
from server.models import BaggedScore, ScoreStep, SubmissionFoldResult


def predictions_folder(predictions_dir: Path, event_id: int, submission_id: int) -> Path:
    """`<predictions_dir>/<event>/<submission>`, holding one fold_<i>/ per fold."""
    return predictions_dir / str(event_id) / str(submission_id)


def stage_predictions(
    staging: Path, scores: SubmissionScores, fold_predictions: list[FoldPredictions]
) -> Path:
    """Write the ramp-test `training_output/` layout (npz predictions, scores) in `staging`."""
    return save_training_output(staging, scores, fold_predictions)


def publish_predictions(staged: Path, target: Path) -> None:
    """Replace `target` by the staged folder (after the rows pointing at it committed)."""
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged.rename(target)


def add_score_rows(
    session: Session,
    *,
    submission_id: int,
    scores: SubmissionScores,
    relative_folder: str,
) -> None:
    """Insert one row per fold and one per (step, score name) of the bagged scores."""
    for fold in scores.folds:
        session.add(
            SubmissionFoldResult(
                submission_id=submission_id,
                fold_index=fold.fold,
                train_scores=fold.train,
                valid_scores=fold.valid,
                test_scores=fold.test,
                train_seconds=fold.times.train,
                valid_seconds=fold.times.valid,
                test_seconds=fold.times.test,
                predictions_path=f"{relative_folder}/fold_{fold.fold}",
            )
        )
    n_folds = len(scores.folds)
    bagged = ((ScoreStep.VALID, scores.bagged.valid), (ScoreStep.TEST, scores.bagged.test))
    for step, values in bagged:
        for name, value in values.items():
            session.add(
                BaggedScore(
                    submission_id=submission_id,
                    step=step,
                    score_name=name,
                    value=value,
                    n_folds=n_folds,
                )
            )
