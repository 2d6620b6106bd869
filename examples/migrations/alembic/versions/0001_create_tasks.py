"""Create the tasks table.

Revision ID: 0001
Revises:
Create Date: 2026-11-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    tasks = op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    # Rows that exist before 0002 runs, as they would in a live database. No ids: rows
    # inserted with explicit ids leave PostgreSQL's sequence at 1, and the app's first
    # INSERT would collide with them.
    op.bulk_insert(
        tasks,
        [
            {"title": "Write the first migration", "done": True},
            {"title": "Ship version 2", "done": False},
        ],
    )


def downgrade() -> None:
    op.drop_table("tasks")
