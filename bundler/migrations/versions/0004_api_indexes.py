"""Index wish_ministry by ministry (API and ministry lists at 100,000 wishes)

Revision ID: 0004_api_indexes
Revises: 0003_i14_api
Create Date: 2026-12-02 11:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0004_api_indexes"
down_revision = "0003_i14_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_wish_ministry_ministry_id", "wish_ministry", ["ministry_id", "wish_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_wish_ministry_ministry_id", table_name="wish_ministry")
