"""The unread notifications of a user from a partial index (issue 15)

Revision ID: 0009_i15_unread_index
Revises: 0008_i15_reference_index
Create Date: 2026-12-03 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_i15_unread_index"
down_revision = "0008_i15_reference_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_notification_unread",
        "notification",
        ["user_id", "read_at"],
        sqlite_where=sa.text("read_at IS NULL"),
        postgresql_where=sa.text("read_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notification_unread", table_name="notification")
