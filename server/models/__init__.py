"""All ORM classes, one module per table; import them from here.

Importing this package registers every table on `Base.metadata`, which Alembic's
autogenerate and the relationship string references rely on.
"""

from server.models.bagged_score import BaggedScore, ScoreStep
from server.models.base import Base, TimestampMixin, UtcDateTime, utcnow
from server.models.code_access import CodeAccess, CodeAccessKind
from server.models.event import Event
from server.models.event_blend import EventBlend
from server.models.event_organiser import EventOrganiser
from server.models.event_registration import EventRegistration, RegistrationStatus
from server.models.login_attempt import LoginAttempt
from server.models.password_reset_token import PasswordResetToken
from server.models.problem import Problem, ProblemState
from server.models.problem_score_type import ProblemScoreType, ScoreDirection
from server.models.submission import FINISHED_STATES, FailureKind, Submission, SubmissionState
from server.models.submission_credit import SubmissionCredit
from server.models.submission_file import SubmissionFile, content_sha256
from server.models.submission_fold_result import SubmissionFoldResult
from server.models.team import Team
from server.models.team_invitation import InvitationStatus, TeamInvitation
from server.models.team_member import TeamMember
from server.models.user import User, UserRole, hash_api_token, hash_password, verify_password

__all__ = [
    "FINISHED_STATES",
    "BaggedScore",
    "Base",
    "CodeAccess",
    "CodeAccessKind",
    "Event",
    "EventBlend",
    "EventOrganiser",
    "EventRegistration",
    "FailureKind",
    "InvitationStatus",
    "LoginAttempt",
    "PasswordResetToken",
    "Problem",
    "ProblemScoreType",
    "ProblemState",
    "RegistrationStatus",
    "ScoreDirection",
    "ScoreStep",
    "Submission",
    "SubmissionCredit",
    "SubmissionFile",
    "SubmissionFoldResult",
    "SubmissionState",
    "Team",
    "TeamInvitation",
    "TeamMember",
    "TimestampMixin",
    "User",
    "UserRole",
    "UtcDateTime",
    "content_sha256",
    "hash_api_token",
    "hash_password",
    "utcnow",
    "verify_password",
]
