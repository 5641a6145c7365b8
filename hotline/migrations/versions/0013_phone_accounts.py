"""agents' SIP phone accounts (registration at the Kamailio edge)

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.models.base

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("realm", sa.String(length=64), nullable=False),
        sa.Column("ha1", sa.String(length=32), nullable=False),
        sa.Column("updated_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_phone_accounts_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_phone_accounts")),
    )


def downgrade() -> None:
    op.drop_table("phone_accounts")
