"""survey tasks (回访)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ticketing.models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = ticketing.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "survey_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phone_e164", sa.String(length=20), nullable=False),
        sa.Column("closure_at", when, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", when, nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("issued_at", when, nullable=True),
        sa.Column("last_outcome", sa.String(length=30), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.String(length=30), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("answered_at", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_survey_tasks_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["source_ticket_id"], ["tickets.id"], name=op.f("fk_survey_tasks_source_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_tasks")),
        sa.UniqueConstraint("ticket_id", "closure_at", "phone_e164", name="uq_survey_tasks_closure_phone"),
    )
    op.create_index(op.f("ix_survey_tasks_ticket_id"), "survey_tasks", ["ticket_id"], unique=False)
    op.create_index("ix_survey_tasks_state_due", "survey_tasks", ["state", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_survey_tasks_state_due", table_name="survey_tasks")
    op.drop_index(op.f("ix_survey_tasks_ticket_id"), table_name="survey_tasks")
    op.drop_table("survey_tasks")
