"""Submissions: the rules for accepting one, who may see what, cancelling, re-running."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal

from sqlalchemy import delete
from sqlalchemy.orm import Session

from server.db import run_after_commit
from server.errors import Conflict, Forbidden, Invalid, NotFound, TooEarly, TooManyRequests
from server.events import repository as events_repository
from server.events import service as events_service
from server.models import (
    BaggedScore,
    CodeAccess,
    CodeAccessKind,
    Event,
    FailureKind,
    RegistrationStatus,
    Submission,
    SubmissionFile,
    SubmissionFoldResult,
    SubmissionState,
    Team,
    User,
    content_sha256,
    utcnow,
)
from server.settings import Settings
from server.submissions import repository
from server.submissions.files import check_files
from server.submissions.queue import TaskQueue
from server.teams import repository as teams_repository

SUBMISSION_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
ACTIVE_STATES = (SubmissionState.NEW, SubmissionState.QUEUED, SubmissionState.RUNNING)

Access = Literal["team", "organiser", "shared"]


@dataclass(frozen=True)
class Viewer:
    """What a user may see of one submission."""

    access: Access
    # Test (private) scores: organisers always, participants once the event has closed.
    sees_private_scores: bool

    @property
    def sees_log(self) -> bool:
        return self.access in ("team", "organiser")


def _check_submission_name(name: str) -> str:
    name = name.strip()
    if not SUBMISSION_NAME_PATTERN.match(name):
        raise Invalid(
            "Name your submission with 1 to 100 letters, digits, dots, dashes or underscores "
            "(for example my_forest_2)."
        )
    return name


def submitting_team(*, session: Session, event: Event, user: User) -> Team:
    """The user's team, if it may submit to `event` at all (a clear refusal otherwise)."""
    registration = events_repository.registration(session, event_id=event.id, user_id=user.id)
    if registration is None:
        raise Forbidden("Join this event before submitting to it.")
    if registration.status is RegistrationStatus.PENDING:
        raise Forbidden("Your sign-up is waiting for an organiser's approval.")
    if registration.status is RegistrationStatus.REJECTED:
        raise Forbidden("Your sign-up to this event was not approved.")
    team = teams_repository.team_of_user(session, event_id=event.id, user_id=user.id)
    if team is None:
        raise Forbidden("You have no team in this event yet.")
    return team


def submit(
    *,
    session: Session,
    settings: Settings,
    queue: TaskQueue,
    event: Event,
    user: User,
    name: str,
    files: list[tuple[str, bytes]],
) -> Submission:
    """Accept a submission and queue it for scoring once the request commits."""
    now = utcnow()
    phase = events_service.phase(event, now)
    if phase == "upcoming":
        raise TooEarly(f"This event opens on {event.opens_at:%Y-%m-%d %H:%M} UTC.")
    if phase == "closed":
        raise Forbidden("This event has closed; it no longer accepts submissions.")
    team = submitting_team(session=session, event=event, user=user)
    name = _check_submission_name(name)
    checked = check_files(
        files,
        element_names=event.problem.workflow_element_names,
        max_bytes=settings.max_submission_bytes,
        max_files=settings.max_submission_files,
    )
    if repository.name_taken(session, team_id=team.id, name=name):
        raise Conflict(f"Your team already has a submission named {name!r}; pick a new name.")
    last = repository.last_charged_time(session, team_id=team.id)
    if last is not None:
        wait = event.min_seconds_between_submissions - (now - last).total_seconds()
        if wait > 0:
            raise TooEarly(
                f"Please wait {int(wait) + 1} more seconds: this event allows one submission "
                f"every {event.min_seconds_between_submissions} seconds."
            )
    if event.daily_submission_quota is not None:
        midnight = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
        used = repository.count_charged_since(session, team_id=team.id, since=midnight)
        if used >= event.daily_submission_quota:
            raise TooManyRequests(
                f"Your team has used its {event.daily_submission_quota} submissions for today "
                "(UTC); try again tomorrow."
            )
    encoded = [(file_name, text.encode()) for file_name, text in checked.items()]
    sha256 = content_sha256(encoded)
    duplicate = repository.identical_code(session, team_id=team.id, sha256=sha256)
    if duplicate is not None:
        raise Conflict(f"This code is identical to your submission {duplicate.name!r}.")
    submission = Submission(
        event_id=event.id,
        team_id=team.id,
        submitted_by_id=user.id,
        name=name,
        content_sha256=sha256,
        state=SubmissionState.QUEUED,
        queued_at=now,
        files=[SubmissionFile.from_bytes(file_name, data) for file_name, data in encoded],
    )
    session.add(submission)
    session.flush()
    _enqueue_after_commit(session, queue, submission, event)
    return submission


def _enqueue_after_commit(
    session: Session, queue: TaskQueue, submission: Submission, event: Event
) -> None:
    submission_id, gpus, time_limit = submission.id, event.gpus, event.time_limit_seconds
    run_after_commit(
        session,
        lambda: queue.enqueue_scoring(submission_id, gpus=gpus, time_limit_seconds=time_limit),
    )


def viewer(*, session: Session, submission: Submission, user: User | None) -> Viewer | None:
    """How much of `submission` the user may see; None for nothing at all."""
    if user is None:
        return None
    event = submission.event
    closed = events_service.phase(event) == "closed"
    if events_service.can_manage(session=session, event=event, user=user):
        return Viewer(access="organiser", sees_private_scores=True)
    team = teams_repository.team_of_user(session, event_id=event.id, user_id=user.id)
    if team is not None and team.id == submission.team_id:
        return Viewer(access="team", sees_private_scores=closed)
    registration = events_repository.registration(session, event_id=event.id, user_id=user.id)
    if (
        events_service.code_is_shared(event)
        and registration is not None
        and registration.status is RegistrationStatus.APPROVED
        and submission.state is SubmissionState.SCORED
    ):
        return Viewer(access="shared", sees_private_scores=closed)
    return None


def get_submission(
    *, session: Session, submission_id: int, user: User | None
) -> tuple[Submission, Viewer]:
    """The submission and what `user` may see of it; NotFound if nothing."""
    submission = repository.load(session, submission_id)
    seen = submission and viewer(session=session, submission=submission, user=user)
    if submission is None or not seen:
        # Not Forbidden: whether someone else's submission exists is not for them to know.
        raise NotFound("No such submission.")
    return submission, seen


def record_code_access(
    *, session: Session, submission: Submission, user: User, kind: CodeAccessKind
) -> None:
    """Note that a user outside the team read or imported this code (for credit)."""
    team = teams_repository.team_of_user(session, event_id=submission.event_id, user_id=user.id)
    if team is not None and team.id == submission.team_id:
        return
    session.add(
        CodeAccess(
            user_id=user.id,
            team_id=team.id if team else None,
            submission_id=submission.id,
            kind=kind,
        )
    )
    session.flush()


def cancel(*, session: Session, queue: TaskQueue, submission: Submission, seen: Viewer) -> None:
    """Stop a submission that is waiting or running; a running one is killed by its worker."""
    if seen.access not in ("team", "organiser"):
        raise Forbidden("Only the team or the organisers can cancel this submission.")
    if submission.state not in ACTIVE_STATES:
        raise Conflict(f"This submission is already {submission.state.value}.")
    submission.state = SubmissionState.CANCELLED
    submission.failure_kind = FailureKind.CANCELLED
    submission.failure_log = "Cancelled."
    submission.finished_at = utcnow()
    session.flush()
    submission_id = submission.id
    run_after_commit(session, lambda: queue.cancel(submission_id))


def rerun(*, session: Session, queue: TaskQueue, submission: Submission, seen: Viewer) -> None:
    """Organisers: score a finished submission again from scratch."""
    if seen.access != "organiser":
        raise Forbidden("Only the organisers can re-run a submission.")
    if submission.state in ACTIVE_STATES:
        raise Conflict("This submission is still waiting or running.")
    session.execute(
        delete(SubmissionFoldResult).where(SubmissionFoldResult.submission_id == submission.id)
    )
    session.execute(delete(BaggedScore).where(BaggedScore.submission_id == submission.id))
    submission.state = SubmissionState.QUEUED
    submission.failure_kind = None
    submission.failure_log = ""
    submission.queued_at = utcnow()
    submission.started_at = submission.finished_at = submission.heartbeat_at = None
    submission.attempts = 0
    session.flush()
    session.expire(submission, ["fold_results", "bagged_scores"])
    _enqueue_after_commit(session, queue, submission, submission.event)


def set_excluded(
    *, session: Session, queue: TaskQueue, submission: Submission, seen: Viewer, excluded: bool
) -> None:
    """Organisers: exclude a submission from the event's blend, or include it again."""
    if seen.access != "organiser":
        raise Forbidden("Only the organisers can exclude a submission from the blend.")
    if submission.is_excluded == excluded:
        return  # nothing changes, so the blend need not be redone
    submission.is_excluded = excluded
    session.flush()
    event_id = submission.event_id
    # After the commit: a blend that ran before it would still see the old flag.
    run_after_commit(session, lambda: queue.request_blend(event_id))


def sandbox_files(
    *, session: Session, event: Event, team: Team | None, import_from: Submission | None = None
) -> dict[str, str]:
    """What the sandbox editors start with: an imported submission, the team's last one,
    or the starting kit."""
    files = events_service.starting_kit_files(event)
    source = import_from
    if source is None and team is not None:
        source = repository.latest_of_team(session, team_id=team.id)
    if source is not None:
        for submitted in source.files:
            if submitted.content is not None:
                files[submitted.name] = submitted.content
    return files


def get_event_submission_for_import(
    *, session: Session, event: Event, submission_id: int, user: User
) -> Submission:
    submission, seen = get_submission(session=session, submission_id=submission_id, user=user)
    if submission.event_id != event.id:
        raise NotFound("No such submission in this event.")
    if seen.access == "shared":
        record_code_access(
            session=session, submission=submission, user=user, kind=CodeAccessKind.IMPORT
        )
    return submission
