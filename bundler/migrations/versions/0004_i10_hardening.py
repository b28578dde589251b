"""Hardening (issue 10): attachments shared with supporters

Revision ID: 0004_i10_hardening
Revises: 0003_i14_api
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i10_hardening"
down_revision = "0003_i14_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(
            sa.Column(
                "shared_with_supporters", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("shared_with_supporters")
