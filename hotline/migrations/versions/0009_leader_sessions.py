"""leader live-answer sessions (领导在线接听日)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("screened", sa.Boolean(), nullable=False),
        sa.Column("sip_uri", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["leader_user_id"], ["users.id"], name=op.f("fk_leader_sessions_leader_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_leader_sessions_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_sessions")),
    )
    op.create_index("ix_leader_sessions_window", "leader_sessions", ["starts_at", "ends_at"], unique=False)
    op.create_index(
        "ix_leader_sessions_leader", "leader_sessions", ["leader_user_id", "starts_at"], unique=False
    )
    op.create_table(
        "leader_session_tickets",
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("sip_call_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["leader_sessions.id"],
            name=op.f("fk_leader_session_tickets_session_id_leader_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_leader_session_tickets_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_leader_session_tickets")),
    )
    op.create_index(
        op.f("ix_leader_session_tickets_session_id"), "leader_session_tickets", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_leader_session_tickets_session_id"), table_name="leader_session_tickets")
    op.drop_table("leader_session_tickets")
    op.drop_index("ix_leader_sessions_leader", table_name="leader_sessions")
    op.drop_index("ix_leader_sessions_window", table_name="leader_sessions")
    op.drop_table("leader_sessions")
