"""The webhooks context's tables: subscriptions, deliveries and their attempts (tenant-owned,
under row-level security on PostgreSQL).

``webhook_subscriptions.secret`` (and ``previous_secret`` during a rotation's overlap) holds the
signing secret as issued (``whsec_…``): PRM must read it to sign, so it cannot be a digest like
API keys are. It is protected as the rows are (tenant scoping, row-level security, database
access), never logged and never answered after creation. Deliveries keep the JSON body they send
as text (ids and codes only, as events are; text keeps the keys in the order they are sent, which
``jsonb`` would not); attempts keep no more of an answer than a short excerpt.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("event_types", JsonDocument, nullable=False),
    sa.Column("description", sa.String(500)),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("secret", sa.String(128), nullable=False),
    sa.Column("previous_secret", sa.String(128)),
    sa.Column("previous_secret_expires_at", UtcDateTime),
    sa.Column("consecutive_failures", sa.Integer, nullable=False),
    sa.Column("disabled_at", UtcDateTime),
    sa.Column("disabled_reason", sa.String(64)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_webhook_subscriptions_tenant_id_is_active", "tenant_id", "is_active"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("subscription_id", sa.Uuid, nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the JSON document as sent, keys in their order
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("attempt_limit", sa.Integer, nullable=False),
    sa.Column("automatic", sa.Boolean, nullable=False),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_duration_ms", sa.Integer),
    sa.Column("last_error", sa.String(500)),
    sa.Column("last_response_excerpt", sa.String(200)),
    sa.Column("last_attempt_at", UtcDateTime),
    sa.Column("next_attempt_at", UtcDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(
        ["tenant_id", "subscription_id"],
        ["webhook_subscriptions.tenant_id", "webhook_subscriptions.id"],
        ondelete="CASCADE",
        name="fk_webhook_deliveries_subscription",
    ),
    # One delivery of an event per subscription (fan-out is idempotent); the log reads by the
    # subscription, newest (highest UUIDv7) first.
    sa.UniqueConstraint("tenant_id", "event_id", "subscription_id"),
    sa.Index("ix_webhook_deliveries_tenant_id_subscription_id_id", "tenant_id", "subscription_id", "id"),
)

webhook_delivery_attempts = sa.Table(
    "webhook_delivery_attempts",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("delivery_id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("id", sa.Uuid, nullable=False),
    sa.Column("subscription_id", sa.Uuid, nullable=False),
    sa.Column("attempted_at", UtcDateTime, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("error", sa.String(500)),
    sa.Column("response_excerpt", sa.String(200)),
    sa.ForeignKeyConstraint(
        ["tenant_id", "delivery_id"],
        ["webhook_deliveries.tenant_id", "webhook_deliveries.id"],
        ondelete="CASCADE",
        name="fk_webhook_delivery_attempts_delivery",
    ),
)
