"""Column types that must behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from server.models import (
    FailureKind,
    Submission,
    SubmissionFoldResult,
    SubmissionState,
    User,
)
from tests.factories import create_event, create_submission, create_user


def test_timestamps_come_back_as_aware_utc(any_session: Session) -> None:
    paris_noon = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    user = create_user(any_session, last_login_at=paris_noon)
    any_session.expire_all()

    loaded = any_session.get(User, user.id)
    assert loaded is not None
    assert loaded.last_login_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    assert loaded.last_login_at.tzinfo is UTC
    assert loaded.created_at.tzinfo is UTC


def test_timestamps_compare_in_sql_across_time_zones(any_session: Session) -> None:
    early = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=5)))  # 07:00 UTC
    late = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    create_user(any_session, username="early", last_login_at=early)
    create_user(any_session, username="late", last_login_at=late)

    cutoff = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    names = any_session.scalars(select(User.username).where(User.last_login_at > cutoff))
    assert list(names) == ["late"]


def test_naive_datetimes_are_refused(any_session: Session) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        create_user(any_session, last_login_at=datetime(2026, 3, 1, 12, 0))


@pytest.mark.parametrize("state", list(SubmissionState))
def test_every_submission_state_round_trips(any_session: Session, state: SubmissionState) -> None:
    failure = FailureKind.TIMEOUT if state is SubmissionState.FAILED else None
    submission = create_submission(any_session, state=state, failure_kind=failure)
    any_session.expire_all()

    loaded = any_session.get(Submission, submission.id)
    assert loaded is not None
    assert loaded.state is state
    assert loaded.failure_kind is failure


def test_enums_are_stored_as_their_values(any_session: Session) -> None:
    submission = create_submission(
        any_session, state=SubmissionState.FAILED, failure_kind=FailureKind.OUT_OF_MEMORY
    )
    row = any_session.execute(
        text("SELECT state, failure_kind FROM submissions WHERE id = :id"),
        {"id": submission.id},
    ).one()
    assert tuple(row) == ("failed", "out_of_memory")


def test_the_database_refuses_an_unknown_enum_value(any_session: Session) -> None:
    submission = create_submission(any_session)

    with pytest.raises(IntegrityError), any_session.begin_nested():
        any_session.execute(
            text("UPDATE submissions SET state = 'exploded' WHERE id = :id"),
            {"id": submission.id},
        )


def test_check_constraints_guard_event_settings(any_session: Session) -> None:
    now = datetime.now(UTC)
    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_event(any_session, opens_at=now, closes_at=now - timedelta(days=1))
    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_event(any_session, max_team_size=0)
    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_event(any_session, public_opens_at=now + timedelta(days=365))


def test_changing_a_json_column_in_place_is_saved(any_session: Session) -> None:
    submission = create_submission(any_session)
    fold = SubmissionFoldResult(submission_id=submission.id, fold_index=0)
    any_session.add(fold)
    any_session.flush()

    fold.valid_scores["accuracy"] = 0.75
    any_session.flush()
    any_session.expire_all()

    loaded = any_session.get(SubmissionFoldResult, fold.id)
    assert loaded is not None
    assert loaded.valid_scores == {"accuracy": 0.75}


def test_json_objects_keep_their_key_order(any_session: Session) -> None:
    submission = create_submission(any_session)
    scores = {"rmse": 1.0, "mae": 0.5, "r2": 0.25}
    fold = SubmissionFoldResult(submission_id=submission.id, fold_index=0, test_scores=scores)
    any_session.add(fold)
    any_session.flush()
    any_session.expire_all()

    loaded = any_session.get(SubmissionFoldResult, fold.id)
    assert loaded is not None
    assert list(loaded.test_scores) == ["rmse", "mae", "r2"]
