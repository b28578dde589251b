"""Hardening (issue 10): attachments shared with supporters, used new-wish forms, answer numbers

Revision ID: 0004_i10_hardening
Revises: 0004_api_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bundler.models.base

revision = "0004_i10_hardening"
down_revision = "0004_api_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bundler.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_form_submission_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wish.id"], name=op.f("fk_form_submission_wish_id_wish"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submission")),
        sa.UniqueConstraint("form_id", name=op.f("uq_form_submission_form_id")),
    )
    op.create_index(
        op.f("ix_form_submission_created_at"), "form_submission", ["created_at"], unique=False
    )
    with op.batch_alter_table("answer") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), server_default="1", nullable=False))
    # Number each ministry's answers on a wish in the order they were given.
    op.execute(
        "UPDATE answer SET sequence = (SELECT COUNT(*) FROM answer AS earlier"
        " WHERE earlier.wish_id = answer.wish_id AND earlier.ministry_id = answer.ministry_id"
        " AND (earlier.answered_at < answer.answered_at"
        " OR (earlier.answered_at = answer.answered_at AND earlier.id <= answer.id)))"
    )
    with op.batch_alter_table("answer") as batch:
        batch.create_unique_constraint(
            batch.f("uq_answer_wish_id"), ["wish_id", "ministry_id", "sequence"]
        )
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(
            sa.Column(
                "shared_with_supporters", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("answer") as batch:
        batch.drop_constraint("uq_answer_wish_id", type_="unique")
        batch.drop_column("sequence")
    op.drop_index(op.f("ix_form_submission_created_at"), table_name="form_submission")
    op.drop_table("form_submission")
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("shared_with_supporters")
