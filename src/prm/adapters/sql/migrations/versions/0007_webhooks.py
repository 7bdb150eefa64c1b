"""Outbound webhooks: subscriptions and their deliveries.

- ``webhook_subscriptions``: an endpoint of a tenant's, the event type patterns it wants, its
  signing secret (``whsec_…``, as issued: PRM signs with it) and the run of deliveries that
  failed for good;
- ``webhook_deliveries``: one message to one subscription (the body sent on every attempt), its
  status and last attempt; one per event and subscription;
- ``webhook_delivery_attempts``: every attempt (status code, milliseconds, error, a short
  excerpt of the answer).

All three are tenant-owned, under row-level security.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TABLES = ("webhook_delivery_attempts", "webhook_deliveries", "webhook_subscriptions")


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("event_types", JSON, nullable=False),
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
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_webhook_subscriptions"),
    )
    op.create_index("ix_webhook_subscriptions_tenant_id_is_active", "webhook_subscriptions", ["tenant_id", "is_active"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("subscription_id", sa.Uuid, nullable=False),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
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
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_webhook_deliveries"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "subscription_id"],
            ["webhook_subscriptions.tenant_id", "webhook_subscriptions.id"],
            name="fk_webhook_deliveries_subscription",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id", "event_id", "subscription_id", name="uq_webhook_deliveries_tenant_id_event_id_subscription_id"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_tenant_id_subscription_id_id",
        "webhook_deliveries",
        ["tenant_id", "subscription_id", "id"],
    )
    op.create_table(
        "webhook_delivery_attempts",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("delivery_id", sa.Uuid, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("subscription_id", sa.Uuid, nullable=False),
        sa.Column("attempted_at", UtcDateTime, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("error", sa.String(500)),
        sa.Column("response_excerpt", sa.String(200)),
        sa.PrimaryKeyConstraint("tenant_id", "delivery_id", "number", name="pk_webhook_delivery_attempts"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "delivery_id"],
            ["webhook_deliveries.tenant_id", "webhook_deliveries.id"],
            name="fk_webhook_delivery_attempts_delivery",
            ondelete="CASCADE",
        ),
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_rls(table)
        op.drop_table(table)
