"""Statute catalogue: kind, citation title, retirement, dated responsibility, proposals, splits

Revision ID: 0004_i12_catalogue
Revises: 0004_i15_scale
Create Date: 2026-12-02 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i12_catalogue"
down_revision = "0004_i15_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ministry_split",
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ministry_id"], ["ministry.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["successor_id"], ["ministry.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ministry_id", "successor_id"),
    )
    with op.batch_alter_table("statute") as batch:
        batch.add_column(
            sa.Column("citation_title", sa.String(length=250), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("kind", sa.String(length=32), nullable=False, server_default="wet")
        )
        batch.add_column(sa.Column("retired_on", sa.Date(), nullable=True))
    with op.batch_alter_table("statute_ministry") as batch:
        batch.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
    with op.batch_alter_table("wish") as batch:
        batch.add_column(
            sa.Column("proposed_bwb_id", sa.String(length=16), nullable=False, server_default="")
        )


def downgrade() -> None:
    op.drop_table("ministry_split")
    with op.batch_alter_table("wish") as batch:
        batch.drop_column("proposed_bwb_id")
    with op.batch_alter_table("statute_ministry") as batch:
        batch.drop_column("valid_until")
        batch.drop_column("valid_from")
    with op.batch_alter_table("statute") as batch:
        batch.drop_column("retired_on")
        batch.drop_column("kind")
        batch.drop_column("citation_title")
