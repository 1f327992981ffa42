"""Contributivity fixtures: a shared-code event.

`shared_event` builds the situation the credit form is for: three teams in an iris event
whose code is shared; Bob's team imported Alice's submission and viewed Carol's, both
older than Bob's; the blend gave them 0.2, 0.3 and 0.5 of its weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from server.models import CodeAccess, CodeAccessKind, Event, EventBlend, Submission, User, utcnow
from tests.factories import create_event, create_submission, create_user
from tests.server.conftest import iris_problem, join, score


@dataclass
class SharedEvent:
    event: Event
    alice: User
    bob: User
    carol: User
    alice_sub: Submission
    carol_sub: Submission
    bob_sub: Submission


def make_shared_event(session: Session, **event_fields: Any) -> SharedEvent:
    now = utcnow()
    fields = {"public_opens_at": now - timedelta(hours=12), **event_fields}
    event = create_event(session, problem=iris_problem(session), **fields)
    users, subs = {}, {}
    for age, (name, accuracy, share) in enumerate(
        [("alice", 0.90, 0.2), ("carol", 0.85, 0.3), ("bob", 0.95, 0.5)]
    ):
        user = create_user(session, username=f"{name}{event.id}")
        team = join(session, event, user)
        submission = create_submission(
            session,
            team=team,
            submitted_by=user,
            name=f"{name}_sub",
            created_at=now - timedelta(hours=3 - age),
            contributivity=share,
            historical_contributivity=share,
        )
        score(session, submission, valid={"accuracy": accuracy, "error": 1 - accuracy})
        users[name], subs[name] = user, submission
    bob_team_id = subs["bob"].team_id
    for source, kind in (("alice", CodeAccessKind.IMPORT), ("carol", CodeAccessKind.VIEW)):
        session.add(
            CodeAccess(
                user_id=users["bob"].id,
                team_id=bob_team_id,
                submission_id=subs[source].id,
                kind=kind,
            )
        )
    session.add(
        EventBlend(
            event_id=event.id,
            combined_valid_scores={"accuracy": 0.97, "error": 0.03},
            combined_test_scores={"accuracy": 0.96, "error": 0.04},
            foldwise_best_scores={
                "valid": {"accuracy": 0.955, "error": 0.045},
                "test": {"accuracy": 0.94, "error": 0.06},
            },
            n_submissions=3,
        )
    )
    session.flush()
    return SharedEvent(
        event, users["alice"], users["bob"], users["carol"], subs["alice"], subs["carol"],
        subs["bob"],
    )  # fmt: skip


@pytest.fixture
def shared(session: Session) -> SharedEvent:
    return make_shared_event(session)
