"""Indexes for pages at 100,000 wishes: a pilot's wishes and the inbox's default order (issue 15)

Revision ID: 0006_i15_page_indexes
Revises: 0005_i11pdf_office_logo
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_i15_page_indexes"
down_revision = "0005_i11pdf_office_logo"
branch_labels = None
depends_on = None

VISIBLE = sa.text("state <> 'concept'")


def upgrade() -> None:
    with op.batch_alter_table("wish", schema=None) as batch_op:
        batch_op.create_index("ix_wish_pilot_id_id", ["pilot_id", "id"], unique=False)
        batch_op.drop_index("ix_wish_pilot_id")
        batch_op.create_index(
            "ix_wish_submitted_visible",
            ["submitted_at", "id"],
            unique=False,
            postgresql_where=VISIBLE,
            sqlite_where=VISIBLE,
        )
        batch_op.drop_index("ix_wish_submitted_at")
    with op.batch_alter_table("wish_support", schema=None) as batch_op:
        batch_op.create_index(
            "ix_wish_support_pilot_id_wish_id", ["pilot_id", "wish_id"], unique=False
        )
        batch_op.drop_index("ix_wish_support_pilot_id")


def downgrade() -> None:
    with op.batch_alter_table("wish_support", schema=None) as batch_op:
        batch_op.create_index("ix_wish_support_pilot_id", ["pilot_id"], unique=False)
        batch_op.drop_index("ix_wish_support_pilot_id_wish_id")
    with op.batch_alter_table("wish", schema=None) as batch_op:
        batch_op.create_index("ix_wish_submitted_at", ["submitted_at"], unique=False)
        batch_op.drop_index("ix_wish_submitted_visible")
        batch_op.create_index("ix_wish_pilot_id", ["pilot_id"], unique=False)
        batch_op.drop_index("ix_wish_pilot_id_id")
