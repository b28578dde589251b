"""full-text index on wishes (SQLite FTS5 table and triggers, PostgreSQL GIN index)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from bundler.models import fulltext

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    fulltext.install_fulltext(op.get_bind())


def downgrade() -> None:
    fulltext.drop_fulltext(op.get_bind())
