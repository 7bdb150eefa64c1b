"""Tickets with SLAs (issue 12).

- ``tickets``: a ticket about a patient (title, category, priority, status, assignee or team,
  source, the journey instance or survey response behind it, SLA due times and breaches); a
  unique ``(tenant_id, dedup_key)`` for idempotent opening; the breach job's indexes
  ``(tenant_id, status, <due time>)``.
- ``ticket_comments`` and ``ticket_activity``: a ticket's comments and history.
- ``ticket_sla_policies``: a tenant's SLA policy (one JSON document).

Tenant-owned, under row-level security.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("tickets", "ticket_comments", "ticket_activity", "ticket_sla_policies")
INDEXES = {
    "tickets": {
        "ix_tickets_tenant_id_patient_id": ["tenant_id", "patient_id", "id"],
        "ix_tickets_tenant_id_assigned_to": ["tenant_id", "assigned_to", "id"],
        "ix_tickets_tenant_id_journey_instance_id": ["tenant_id", "journey_instance_id"],
        "ix_tickets_tenant_id_status_first_response_due_at": ["tenant_id", "status", "first_response_due_at"],
        "ix_tickets_tenant_id_status_resolution_due_at": ["tenant_id", "status", "resolution_due_at"],
    },
    "ticket_comments": {"ix_ticket_comments_tenant_id_ticket_id": ["tenant_id", "ticket_id", "id"]},
    "ticket_activity": {"ix_ticket_activity_tenant_id_ticket_id": ["tenant_id", "ticket_id", "id"]},
}


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("assigned_to", sa.Uuid),
        sa.Column("assigned_team", sa.String(64)),
        sa.Column("resolution_notes", sa.Text),
        sa.Column("journey_instance_id", sa.Uuid),
        sa.Column("survey_response_id", sa.Uuid),
        sa.Column("dedup_key", sa.String(200)),
        sa.Column("first_response_at", UtcDateTime),
        sa.Column("resolved_at", UtcDateTime),
        sa.Column("closed_at", UtcDateTime),
        sa.Column("first_response_due_at", UtcDateTime, nullable=False),
        sa.Column("resolution_due_at", UtcDateTime, nullable=False),
        sa.Column("first_response_breached_at", UtcDateTime),
        sa.Column("resolution_breached_at", UtcDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_tickets"),
        sa.UniqueConstraint("tenant_id", "dedup_key", name="uq_tickets_tenant_id_dedup_key"),
    )
    op.create_table(
        "ticket_comments",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("ticket_id", sa.Uuid, nullable=False),
        sa.Column("author_kind", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(64)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_ticket_comments"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["tickets.tenant_id", "tickets.id"],
            name="fk_ticket_comments_tenant_id_ticket_id_tickets",
        ),
    )
    op.create_table(
        "ticket_activity",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("ticket_id", sa.Uuid, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("field", sa.String(64)),
        sa.Column("from_value", sa.String(255)),
        sa.Column("to_value", sa.String(255)),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_ticket_activity"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["tickets.tenant_id", "tickets.id"],
            name="fk_ticket_activity_tenant_id_ticket_id_tickets",
        ),
    )
    op.create_table(
        "ticket_sla_policies",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("policy", JsonDocument, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_ticket_sla_policies"),
    )
    for table, indexes in INDEXES.items():
        for name, columns in indexes.items():
            op.create_index(name, table, columns)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
    for table, indexes in INDEXES.items():
        for name in indexes:
            op.drop_index(name, table_name=table)
    for table in reversed(TABLES):
        op.drop_table(table)
