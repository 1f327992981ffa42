"""teams.selected_submission_id: the submission a team enters in the competition

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 10:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_teams_selected_submission_id_submissions"


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key to an existing table, so the table is
    # rebuilt there; PostgreSQL gets plain ALTER TABLE statements.
    with op.batch_alter_table("teams") as batch_op:
        batch_op.add_column(sa.Column("selected_submission_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            FOREIGN_KEY, "submissions", ["selected_submission_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_column("selected_submission_id")
