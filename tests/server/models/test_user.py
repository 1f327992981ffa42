from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.models import User, UserRole, hash_api_token
from server.models import user as user_model
from tests.factories import DEFAULT_PASSWORD, create_user


def test_the_right_password_is_accepted_and_a_wrong_one_refused(any_session: Session) -> None:
    user = create_user(any_session, password="s3cret-enough")

    assert user.check_password("s3cret-enough")
    assert not user.check_password("s3cret-enough ")
    assert not user.check_password("")


def test_the_password_is_stored_as_a_salted_argon2_hash(any_session: Session) -> None:
    first = create_user(any_session, password="same password")
    second = create_user(any_session, password="same password")

    assert first.password_hash.startswith("$argon2id$")
    assert "same password" not in first.password_hash
    assert first.password_hash != second.password_hash


def test_set_password_replaces_the_old_one(any_session: Session) -> None:
    user = create_user(any_session)
    user.set_password("new password")
    any_session.flush()

    assert user.check_password("new password")
    assert not user.check_password(DEFAULT_PASSWORD)


def test_an_unusable_hash_refuses_every_password(any_session: Session) -> None:
    user = create_user(any_session)
    user.password_hash = "!"  # e.g. an account that may only sign in by token

    assert not user.check_password("!")
    assert not user.check_password(DEFAULT_PASSWORD)


def test_an_outdated_hash_is_upgraded_on_successful_sign_in(session: Session) -> None:
    user = create_user(session)
    outdated = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash("pw")
    user.password_hash = outdated

    assert user.check_password("pw")
    assert user.password_hash != outdated
    assert not user_model.password_hasher.check_needs_rehash(user.password_hash)
    assert user.check_password("pw")


def test_an_api_token_is_stored_only_as_its_hash(any_session: Session) -> None:
    user = create_user(any_session)
    token = user.issue_api_token()
    any_session.flush()

    assert user.api_token_hash == hash_api_token(token)
    assert token not in user.api_token_hash
    found = any_session.scalars(select(User).where(User.api_token_hash == hash_api_token(token)))
    assert found.one() is user
    assert user.api_token_created_at is not None


def test_usernames_and_emails_are_unique(any_session: Session) -> None:
    create_user(any_session, username="ada", email="ada@example.org")

    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_user(any_session, username="ada", email="other@example.org")
    with pytest.raises(IntegrityError), any_session.begin_nested():
        create_user(any_session, username="other", email="ada@example.org")


def test_role_round_trips_and_defaults_to_participant(any_session: Session) -> None:
    admin = create_user(any_session, role=UserRole.ADMIN)
    plain = User(username="plain", email="plain@example.org", password_hash="!")
    any_session.add(plain)
    any_session.flush()
    any_session.expire_all()

    assert any_session.get(User, admin.id).role is UserRole.ADMIN  # type: ignore[union-attr]
    assert any_session.get(User, plain.id).role is UserRole.PARTICIPANT  # type: ignore[union-attr]
    assert plain.is_active
    assert plain.created_at.tzinfo is not None
