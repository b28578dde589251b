"""The office's logo on the package cover and letter (issue 11)

Revision ID: 0005_i11pdf_office_logo
Revises: 0004_i11pdf_cover_letter
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bundler.models.base

revision = "0005_i11pdf_office_logo"
down_revision = "0004_i11pdf_cover_letter"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_logo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", bundler.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user_account.id"], name=op.f("fk_office_logo_uploaded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_logo")),
    )


def downgrade() -> None:
    op.drop_table("office_logo")
