"""ratings: halls, windows, devices, evaluations, QR tokens

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ticketing.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_halls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_service_halls_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_halls")),
        sa.UniqueConstraint("name", name=op.f("uq_service_halls_name")),
    )
    op.create_table(
        "service_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_id"], ["service_halls.id"], name=op.f("fk_service_windows_hall_id_service_halls")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_service_windows_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_windows")),
        sa.UniqueConstraint("hall_id", "name", name="uq_service_windows_hall_name"),
    )
    op.create_table(
        "rating_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=8), nullable=False),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_status",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["hall_id"], ["service_halls.id"], name=op.f("fk_rating_devices_hall_id_service_halls")
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"], ["users.id"], name=op.f("fk_rating_devices_staff_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_rating_devices_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["service_windows.id"], name=op.f("fk_rating_devices_window_id_service_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_devices")),
        sa.UniqueConstraint("name", name=op.f("uq_rating_devices_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rating_devices_token_hash")),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("level", sa.String(length=30), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("service_item", sa.String(length=200), nullable=True),
        sa.Column("case_number", sa.String(length=64), nullable=True),
        sa.Column("rated_ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("rater_phone", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("bad_ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("appeal_status", sa.String(length=20), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bad_ticket_id"], ["tickets.id"], name=op.f("fk_evaluations_bad_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["rating_devices.id"], name=op.f("fk_evaluations_device_id_rating_devices")
        ),
        sa.ForeignKeyConstraint(
            ["hall_id"], ["service_halls.id"], name=op.f("fk_evaluations_hall_id_service_halls")
        ),
        sa.ForeignKeyConstraint(
            ["rated_ticket_id"], ["tickets.id"], name=op.f("fk_evaluations_rated_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"], ["users.id"], name=op.f("fk_evaluations_staff_user_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_evaluations_unit_id_org_units")),
        sa.ForeignKeyConstraint(
            ["window_id"], ["service_windows.id"], name=op.f("fk_evaluations_window_id_service_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("device_id", "idempotency_key", name="uq_evaluations_device_idempotency_key"),
        sa.UniqueConstraint("rated_ticket_id", name=op.f("uq_evaluations_rated_ticket_id")),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluations_bad_ticket_id"), ["bad_ticket_id"], unique=False)
        batch_op.create_index("ix_evaluations_unit_rated", ["unit_id", "rated_at"], unique=False)

    op.create_table(
        "rating_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evaluation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_rating_tokens_evaluation_id_evaluations")
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"], ["users.id"], name=op.f("fk_rating_tokens_staff_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_rating_tokens_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_rating_tokens_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["service_windows.id"], name=op.f("fk_rating_tokens_window_id_service_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rating_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("rating_tokens")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluations_unit_rated")
        batch_op.drop_index(batch_op.f("ix_evaluations_bad_ticket_id"))

    op.drop_table("evaluations")
    op.drop_table("rating_devices")
    op.drop_table("service_windows")
    op.drop_table("service_halls")
