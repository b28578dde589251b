"""scale: data generation for caches, indexes for big lists, stored tsvector on PostgreSQL

Revision ID: 0004_i15_scale
Revises: 0004_i10_hardening
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bundler.models import fulltext

revision = "0004_i15_scale"
down_revision = "0004_i10_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])
    with op.batch_alter_table("wish", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wish_updated_at"), ["updated_at"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The expression index gives way to a stored column with its own GIN index.
        op.execute(f"DROP INDEX IF EXISTS {fulltext.PG_INDEX}")
        fulltext.install_fulltext(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        fulltext.drop_fulltext(bind)
        op.execute(fulltext.PG_EXPRESSION_INDEX)
    with op.batch_alter_table("wish", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wish_updated_at"))
    op.drop_table("data_generation")
