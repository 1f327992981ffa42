"""Turning a submission into what a given viewer may see (API and pages share this)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.models import ScoreStep, Submission
from server.submissions import repository
from server.submissions.schemas import FoldRead, SubmissionRead
from server.submissions.service import Viewer


def bagged(submission: Submission, step: ScoreStep) -> dict[str, float]:
    return {b.score_name: b.value for b in submission.bagged_scores if b.step is step}


def submission_read(session: Session, submission: Submission, seen: Viewer) -> SubmissionRead:
    private = seen.sees_private_scores
    return SubmissionRead(
        id=submission.id,
        event_name=submission.event.name,
        team_name=submission.team.name,
        name=submission.name,
        state=submission.state,
        queue_position=repository.queue_position(session, submission),
        failure_kind=submission.failure_kind,
        failure_log=submission.failure_log if seen.sees_log else None,
        created_at=submission.created_at,
        started_at=submission.started_at,
        finished_at=submission.finished_at,
        valid_scores=bagged(submission, ScoreStep.VALID),
        test_scores=bagged(submission, ScoreStep.TEST) if private else {},
        folds=[
            FoldRead(
                fold_index=fold.fold_index,
                train_scores=fold.train_scores,
                valid_scores=fold.valid_scores,
                test_scores=fold.test_scores if private else {},
                train_seconds=fold.train_seconds,
                valid_seconds=fold.valid_seconds,
                test_seconds=fold.test_seconds if private else None,
            )
            for fold in submission.fold_results
        ],
        is_excluded=submission.is_excluded,
        url=f"/submissions/{submission.id}",
    )
