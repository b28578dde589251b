"""full-text index on wishes (SQLite FTS5 table and triggers, PostgreSQL GIN index)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from bundler import search

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    search.install_fulltext(op.get_bind())


def downgrade() -> None:
    search.drop_fulltext(op.get_bind())
