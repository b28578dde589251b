"""The cover letter's fields: addressee, date, reference, subject, signatory (issue 11)

Revision ID: 0004_i11pdf_cover_letter
Revises: 0004_i13_notifications
Create Date: 2026-12-02 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i11pdf_cover_letter"
down_revision = "0004_i13_notifications"
branch_labels = None
depends_on = None

TEXT_COLUMNS = (
    ("letter_addressee", sa.Text()),
    ("letter_reference", sa.String(length=80)),
    ("letter_subject", sa.String(length=200)),
    ("letter_signatory_name", sa.String(length=200)),
    ("letter_signatory_role", sa.String(length=200)),
)


def upgrade() -> None:
    with op.batch_alter_table("package") as batch:
        for name, kind in TEXT_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=""))
        batch.add_column(sa.Column("letter_date", sa.Date(), nullable=True))
    # The model gives the default; the server default only filled the existing rows.
    with op.batch_alter_table("package") as batch:
        for name, kind in TEXT_COLUMNS:
            batch.alter_column(name, existing_type=kind, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("package") as batch:
        batch.drop_column("letter_date")
        for name, _ in reversed(TEXT_COLUMNS):
            batch.drop_column(name)
