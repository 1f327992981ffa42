"""`code_accesses`: a user viewing or importing another team's submission.

Recorded for the organisers, and as the evidence behind credit links.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, TimestampMixin, enum_column_type

if TYPE_CHECKING:
    from server.models.submission import Submission
    from server.models.team import Team
    from server.models.user import User


class CodeAccessKind(enum.StrEnum):
    VIEW = "view"
    IMPORT = "import"


class CodeAccess(TimestampMixin, Base):
    __tablename__ = "code_accesses"
    __table_args__ = (Index("ix_code_accesses_team_id_submission_id", "team_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The viewer's team in the submission's event, when they have one.
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CodeAccessKind] = mapped_column(
        enum_column_type(CodeAccessKind, "code_access_kind")
    )

    user: Mapped[User] = relationship(lazy="raise")
    team: Mapped[Team | None] = relationship(lazy="raise")
    submission: Mapped[Submission] = relationship(lazy="raise")
