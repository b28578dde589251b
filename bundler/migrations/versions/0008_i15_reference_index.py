"""The highest wish reference of a year from an index on (length, reference) (issue 15)

Revision ID: 0008_i15_reference_index
Revises: 0007_i15_package_check
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_i15_reference_index"
down_revision = "0007_i15_package_check"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_wish_reference_length", "wish", [sa.text("length(reference)"), "reference"]
    )


def downgrade() -> None:
    op.drop_index("ix_wish_reference_length", table_name="wish")
