"""ticket core

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:27:34.866043
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ticketing.models.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "categories",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_code", sa.String(length=6), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["categories.code"], name=op.f("fk_categories_parent_code_categories")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "citizens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_e164", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("carrier", sa.String(length=50), nullable=True),
        sa.Column("callback_opt_out", sa.Boolean(), nullable=False),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizens")),
        sa.UniqueConstraint("phone_e164", name=op.f("uq_citizens_phone_e164")),
    )
    op.create_table(
        "org_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_units.id"], name=op.f("fk_org_units_parent_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
        sa.UniqueConstraint("code", name=op.f("uq_org_units_code")),
    )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_units_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "ticket_number_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ticket_number_counters")),
    )
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category_code", sa.String(length=6), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False),
        sa.Column("time_limit", sa.String(length=200), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=100), nullable=False),
        sa.Column("fees", sa.Text(), nullable=False),
        sa.Column(
            "faq",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("keywords", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_code"], ["categories.code"], name=op.f("fk_kb_articles_category_code_categories")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_kb_articles_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_articles_category_code"), ["category_code"], unique=False)

    op.create_table(
        "tickets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ticket_type", sa.String(length=20), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("category_code", sa.String(length=6), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("area_unit_id", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("callback_requested", sa.Boolean(), nullable=False),
        sa.Column("holder_unit_id", sa.Integer(), nullable=True),
        sa.Column(
            "suspected_duplicate_of_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("merged_into_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_event_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_unit_id"], ["org_units.id"], name=op.f("fk_tickets_area_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["category_code"], ["categories.code"], name=op.f("fk_tickets_category_code_categories")
        ),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"], name=op.f("fk_tickets_citizen_id_citizens")),
        sa.ForeignKeyConstraint(
            ["holder_unit_id"], ["org_units.id"], name=op.f("fk_tickets_holder_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["tickets.id"], name=op.f("fk_tickets_merged_into_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["suspected_duplicate_of_id"],
            ["tickets.id"],
            name=op.f("fk_tickets_suspected_duplicate_of_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("channel", "idempotency_key", name="uq_tickets_channel_idempotency_key"),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_area_created", ["area_unit_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_area_unit_id"), ["area_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_category_code"), ["category_code"], unique=False)
        batch_op.create_index("ix_tickets_citizen_created", ["citizen_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_holder_unit_id"), ["holder_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_status"), ["status"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("sip_uri", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_users_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_unit_role", ["unit_id", "role"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_path", sa.String(length=500), nullable=False),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_attachments_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=100), nullable=False),
        sa.Column("created_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_ticket_events_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_created_at"), ["created_at"], unique=False)

    op.create_table(
        "call_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sip_call_id", sa.String(length=255), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=True),
        sa.Column("callee", sa.String(length=255), nullable=True),
        sa.Column("started_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("agent_user_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "recording_attachment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("worker", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_user_id"], ["users.id"], name=op.f("fk_call_records_agent_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recording_attachment_id"],
            ["attachments.id"],
            name=op.f("fk_call_records_recording_attachment_id_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_call_records_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_records")),
        sa.UniqueConstraint("sip_call_id", name=op.f("uq_call_records_sip_call_id")),
    )
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_records_agent_user_id"), ["agent_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_records_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_records_ticket_id"), ["ticket_id"], unique=False)

    _create_append_only_guard()


APPEND_ONLY_MESSAGE = "ticket_events is append-only"


def _create_append_only_guard() -> None:
    """Refuse UPDATE and DELETE on the event log in the database itself, whatever the client."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ticket_events_no_{verb.lower()} BEFORE {verb} ON ticket_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION ticket_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events "
        "FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only()"
    )


def _drop_append_only_guard() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS ticket_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS ticket_events_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS ticket_events_append_only ON ticket_events")
    op.execute("DROP FUNCTION IF EXISTS ticket_events_append_only()")


def downgrade() -> None:
    _drop_append_only_guard()

    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_records_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_call_records_started_at"))
        batch_op.drop_index(batch_op.f("ix_call_records_agent_user_id"))

    op.drop_table("call_records")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_created_at"))

    op.drop_table("ticket_events")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_ticket_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_unit_role")

    op.drop_table("users")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_status"))
        batch_op.drop_index(batch_op.f("ix_tickets_holder_unit_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_created_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_citizen_id"))
        batch_op.drop_index("ix_tickets_citizen_created")
        batch_op.drop_index(batch_op.f("ix_tickets_category_code"))
        batch_op.drop_index(batch_op.f("ix_tickets_area_unit_id"))
        batch_op.drop_index("ix_tickets_area_created")

    op.drop_table("tickets")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_articles_category_code"))

    op.drop_table("kb_articles")
    op.drop_table("ticket_number_counters")
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_units_parent_id"))

    op.drop_table("org_units")
    op.drop_table("citizens")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_parent_code"))

    op.drop_table("categories")
    op.drop_table("calendar_days")
