from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from server.models import (
    BaggedScore,
    Event,
    FailureKind,
    Problem,
    ScoreStep,
    Submission,
    SubmissionCredit,
    SubmissionFile,
    SubmissionFoldResult,
    SubmissionState,
    Team,
    content_sha256,
)
from tests.factories import create_event, create_submission, create_team, create_user


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_team_cannot_reuse_a_submission_name_in_an_event(any_session: Session) -> None:
    team = create_team(any_session)
    create_submission(any_session, team=team, name="first_try")

    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_submission(any_session, team=team, name="first_try")


def test_another_team_may_use_the_same_submission_name(any_session: Session) -> None:
    event = create_event(any_session)
    create_submission(any_session, team=create_team(any_session, event=event), name="rf")
    create_submission(any_session, team=create_team(any_session, event=event), name="rf")

    assert count(any_session, Submission) == 2


def test_a_submission_must_belong_to_its_teams_event(any_session: Session) -> None:
    team = create_team(any_session)
    other_event = create_event(any_session)

    with pytest.raises(IntegrityError), any_session.begin_nested():
        any_session.add(
            Submission(team_id=team.id, event_id=other_event.id, name="x", content_sha256="0")
        )
        any_session.flush()


def test_only_a_stopped_submission_has_a_failure_kind(any_session: Session) -> None:
    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_submission(
            any_session, state=SubmissionState.RUNNING, failure_kind=FailureKind.TIMEOUT
        )


def test_files_keep_text_as_text_and_bytes_as_bytes(any_session: Session) -> None:
    files: dict[str, str | bytes] = {"estimator.py": "x = 1\n", "weights.bin": b"\xff\x00\x80"}
    submission = create_submission(any_session, files=files)
    any_session.expire_all()

    loaded = any_session.scalars(
        select(Submission).options(selectinload(Submission.files)).filter_by(id=submission.id)
    ).one()
    by_name = {file.name: file for file in loaded.files}
    assert by_name["estimator.py"].content == "x = 1\n"
    assert by_name["estimator.py"].size == 6
    assert by_name["weights.bin"].content is None
    assert by_name["weights.bin"].data == b"\xff\x00\x80"
    assert loaded.content_sha256 == content_sha256(
        [("weights.bin", b"\xff\x00\x80"), ("estimator.py", b"x = 1\n")]
    )


def test_content_hash_tells_file_sets_apart() -> None:
    assert content_sha256([("a.py", b"1"), ("b.py", b"2")]) == content_sha256(
        [("b.py", b"2"), ("a.py", b"1")]
    )
    assert content_sha256([("a.py", b"12")]) != content_sha256([("a.py1", b"2")])
    assert content_sha256([("a.py", b"1")]) != content_sha256([("a.py", b"2")])


def test_relationships_are_never_loaded_by_surprise(any_session: Session) -> None:
    submission = create_submission(any_session)
    any_session.expire_all()
    loaded = any_session.get(Submission, submission.id)
    assert loaded is not None

    with pytest.raises(Exception, match="lazy='raise'"):
        _ = loaded.files


def add_results(session: Session, submission: Submission) -> None:
    session.add_all(
        [
            SubmissionFoldResult(
                submission_id=submission.id, fold_index=0, valid_scores={"accuracy": 0.9}
            ),
            BaggedScore(
                submission_id=submission.id, step=ScoreStep.VALID, score_name="accuracy", value=0.9
            ),
        ]
    )
    session.flush()


def test_deleting_a_submission_deletes_its_files_and_results(any_session: Session) -> None:
    submission = create_submission(any_session)
    add_results(any_session, submission)
    any_session.execute(delete(Submission).where(Submission.id == submission.id))

    assert count(any_session, SubmissionFile) == 0
    assert count(any_session, SubmissionFoldResult) == 0
    assert count(any_session, BaggedScore) == 0


def test_deleting_an_event_deletes_its_teams_and_submissions(any_session: Session) -> None:
    doomed = create_submission(any_session)
    add_results(any_session, doomed)
    kept = create_submission(any_session)
    any_session.expunge_all()

    any_session.execute(delete(Event).where(Event.id == doomed.event_id))

    assert any_session.scalars(select(Submission.id)).all() == [kept.id]
    assert any_session.scalars(select(Team.id)).all() == [kept.team_id]
    assert count(any_session, BaggedScore) == 0


def test_a_problem_with_events_cannot_be_deleted(any_session: Session) -> None:
    event = create_event(any_session)

    with pytest.raises(IntegrityError), any_session.begin_nested():
        any_session.execute(delete(Problem).where(Problem.id == event.problem_id))


def test_deleting_a_user_keeps_their_teams_submissions(any_session: Session) -> None:
    user = create_user(any_session)
    team = create_team(any_session, members=[user])
    submission = create_submission(any_session, team=team, submitted_by=user)
    any_session.delete(user)
    any_session.flush()
    any_session.expire_all()

    loaded = any_session.get(Submission, submission.id)
    assert loaded is not None
    assert loaded.submitted_by_id is None


def test_credits_link_two_different_submissions(any_session: Session) -> None:
    source = create_submission(any_session)
    derived = create_submission(any_session)
    any_session.add(
        SubmissionCredit(submission_id=derived.id, source_submission_id=source.id, weight=0.5)
    )
    any_session.flush()

    with pytest.raises(IntegrityError), any_session.begin_nested():
        any_session.add(
            SubmissionCredit(submission_id=source.id, source_submission_id=source.id, weight=1)
        )
        any_session.flush()
    with pytest.raises(IntegrityError), any_session.begin_nested():
        any_session.add(
            SubmissionCredit(submission_id=source.id, source_submission_id=derived.id, weight=2)
        )
        any_session.flush()
