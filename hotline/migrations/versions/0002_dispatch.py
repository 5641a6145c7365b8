"""dispatch

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:57:24.781595
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "policy_settings",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_policy_settings")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("grade", "stage", name=op.f("pk_sla_policies")),
    )
    op.create_table(
        "dispatch_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_prefix", sa.String(length=6), nullable=False),
        sa.Column("area_unit_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_unit_id"], ["org_units.id"], name=op.f("fk_dispatch_rules_area_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_dispatch_rules_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_rules")),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("dispatched_by_unit_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("complex", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("dispatched_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dispatch_due_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sign_due_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reply_due_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replied_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extension_count", sa.Integer(), nullable=False),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("next_alarm_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_alarm_kind", sa.String(length=10), nullable=True),
        sa.Column("next_alarm_stage", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispatched_by_unit_id"],
            ["org_units.id"],
            name=op.f("fk_assignments_dispatched_by_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["assignments.id"], name=op.f("fk_assignments_parent_id_assignments")
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_assignments_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_assignments_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_next_alarm_at"), ["next_alarm_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("ix_assignments_unit_status", ["unit_id", "status"], unique=False)

    op.create_table(
        "classifier_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("suggested", sa.String(length=50), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("chosen", sa.String(length=50), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_classifier_feedback_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_classifier_feedback_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifier_feedback")),
    )
    with op.batch_alter_table("classifier_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classifier_feedback_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "extension_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_extension_requests_assignment_id_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"], ["users.id"], name=op.f("fk_extension_requests_decided_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_extension_requests_requested_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_requests")),
    )
    with op.batch_alter_table("extension_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_extension_requests_assignment_id"), ["assignment_id"], unique=False
        )

    op.create_table(
        "supervision_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("due_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_supervision_notices_assignment_id_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_supervision_notices_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_supervision_notices_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_notices")),
        sa.UniqueConstraint(
            "assignment_id", "stage", "kind", name="uq_supervision_notices_assignment_stage_kind"
        ),
    )
    with op.batch_alter_table("supervision_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervision_notices_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_notices_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_notices_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("supervision_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_notices_unit_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_notices_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_notices_created_at"))

    op.drop_table("supervision_notices")
    with op.batch_alter_table("extension_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extension_requests_assignment_id"))

    op.drop_table("extension_requests")
    with op.batch_alter_table("classifier_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classifier_feedback_ticket_id"))

    op.drop_table("classifier_feedback")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_unit_status")
        batch_op.drop_index(batch_op.f("ix_assignments_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_next_alarm_at"))

    op.drop_table("assignments")
    op.drop_table("dispatch_rules")
    op.drop_table("sla_policies")
    op.drop_table("policy_settings")
