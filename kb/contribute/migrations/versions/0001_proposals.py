"""Proposals: the kb_proposals table, as the KB made it with create_all() before migrations.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "kb_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_proposals_slug", "kb_proposals", ["slug"])
    op.create_index("ix_kb_proposals_status", "kb_proposals", ["status"])


def downgrade() -> None:
    op.drop_index("ix_kb_proposals_status", table_name="kb_proposals")
    op.drop_index("ix_kb_proposals_slug", table_name="kb_proposals")
    op.drop_table("kb_proposals")
