"""missed-call callbacks on call records

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_records") as batch:
        batch.add_column(
            sa.Column("callback_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("callback_user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("callback_outcome", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("callback_note", sa.String(length=500), nullable=True))
        batch.create_foreign_key(
            op.f("fk_call_records_callback_user_id_users"), "users", ["callback_user_id"], ["id"]
        )
    # The callback list: abandoned calls nobody has called back yet, oldest first.
    op.create_index(
        "ix_call_records_missed",
        "call_records",
        ["outcome", "callback_at", "started_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_call_records_missed", table_name="call_records")
    with op.batch_alter_table("call_records") as batch:
        batch.drop_constraint(op.f("fk_call_records_callback_user_id_users"), type_="foreignkey")
        batch.drop_column("callback_note")
        batch.drop_column("callback_outcome")
        batch.drop_column("callback_user_id")
        batch.drop_column("callback_at")
