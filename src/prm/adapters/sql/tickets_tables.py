"""The tickets context's tables, as SQLAlchemy Core tables.

``tenant_id`` leads every primary key and foreign key. ``tickets`` has a unique
``(tenant_id, dedup_key)`` (``NULL`` keys never collide), so that ``OpenTicket`` with a key is
idempotent even under concurrent calls, and the breach job's indexes ``(tenant_id, status,
<due time>)`` for each target. Comments and the activity history hang off their ticket.
The SLA policy is one JSON document per tenant. Alembic migrations are the only way the schema changes.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.UniqueConstraint("tenant_id", "dedup_key"),
    sa.Index("ix_tickets_tenant_id_patient_id", "tenant_id", "patient_id", "id"),
    sa.Index("ix_tickets_tenant_id_assigned_to", "tenant_id", "assigned_to", "id"),
    sa.Index("ix_tickets_tenant_id_journey_instance_id", "tenant_id", "journey_instance_id"),
    sa.Index("ix_tickets_tenant_id_status_first_response_due_at", "tenant_id", "status", "first_response_due_at"),
    sa.Index("ix_tickets_tenant_id_status_resolution_due_at", "tenant_id", "status", "resolution_due_at"),
)

ticket_comments = sa.Table(
    "ticket_comments",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("ticket_id", sa.Uuid, nullable=False),
    sa.Column("author_kind", sa.String(16), nullable=False),
    sa.Column("author_id", sa.String(64)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"]),
    sa.Index("ix_ticket_comments_tenant_id_ticket_id", "tenant_id", "ticket_id", "id"),
)

ticket_activity = sa.Table(
    "ticket_activity",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("ticket_id", sa.Uuid, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor_kind", sa.String(16), nullable=False),
    sa.Column("actor_id", sa.String(64)),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("field", sa.String(64)),
    sa.Column("from_value", sa.String(255)),
    sa.Column("to_value", sa.String(255)),
    sa.ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"]),
    sa.Index("ix_ticket_activity_tenant_id_ticket_id", "tenant_id", "ticket_id", "id"),
)

ticket_sla_policies = sa.Table(
    "ticket_sla_policies",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("policy", JsonDocument, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
