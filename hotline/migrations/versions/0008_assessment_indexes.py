"""indexes for assessment KPIs and open data

Revision ID: 0008
Revises: 0007

A month's KPIs read events by action and time, assignments by when they were dispatched, replied
and due, and open data reads tickets by when they closed: range scans on these indexes instead of
reading a million-row table.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_ticket_events_action_created", "ticket_events", ["action", "created_at"]),
    ("ix_assignments_dispatched_at", "assignments", ["dispatched_at"]),
    ("ix_assignments_replied_at", "assignments", ["replied_at"]),
    ("ix_assignments_reply_due_at", "assignments", ["reply_due_at"]),
    ("ix_tickets_closed_at", "tickets", ["closed_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
