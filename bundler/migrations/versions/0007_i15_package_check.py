"""Package checks: a package known unchanged without reading its wishes (issue 15)

Revision ID: 0007_i15_package_check
Revises: 0006_i15_page_indexes
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_i15_package_check"
down_revision = "0006_i15_page_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "package_check",
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("built_on", sa.Date(), nullable=False),
        sa.Column("context", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("related", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ministry_id"],
            ["ministry.id"],
            name=op.f("fk_package_check_ministry_id_ministry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ministry_id", name=op.f("pk_package_check")),
    )


def downgrade() -> None:
    op.drop_table("package_check")
