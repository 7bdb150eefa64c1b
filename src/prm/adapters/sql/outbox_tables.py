"""The transactional outbox and what the relay keeps about it.

- ``outbox``: events written in their use case's transaction (``event_type`` and
  ``event_version`` from the context's catalogue, ``prm.domain.shared.events``), relayed later;
  ``published_at`` is set once every handler has had it. ``partition`` (0 to
  :data:`PARTITIONS` - 1, from the aggregate id) lets several relays work at once while each
  aggregate's events stay in order: one relay at a time holds a partition.
- ``processed_events``: which handler has handled which event, written in the handler's own
  transaction (tenant-owned, under row-level security): the relay's idempotency record.
- ``event_handler_failures``: a handler that raised, how often, and when it is tried again; a
  ``parked`` one is no longer retried (``prm worker status`` lists them). Written by the relay
  across tenants (no row-level security: it holds ids, codes and an error's class and message).
"""

from uuid import UUID

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

PARTITIONS = 16
"""How many partitions the outbox is spread over (the most relays that can work at once)."""


def partition_of(aggregate: UUID) -> int:
    """The outbox partition of an aggregate id: its last hex digit (0 to 15), so that one
    aggregate's events always share a partition and stay in order (migration 0006 fills existing
    rows the same way)."""
    return aggregate.int % PARTITIONS


outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("event_version", sa.SmallInteger, nullable=False, server_default="1"),
    sa.Column("aggregate_id", sa.Uuid, nullable=False),
    sa.Column("partition", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("payload", JsonDocument, nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime),
    sa.Index(
        "ix_outbox_pending",
        "partition",
        "id",
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    ),
)

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("handler", sa.String(120), primary_key=True),
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("processed_at", UtcDateTime, nullable=False),
)

event_handler_failures = sa.Table(
    "event_handler_failures",
    metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("handler", sa.String(120), primary_key=True),
    sa.Column("tenant_id", sa.Uuid, nullable=False),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("partition", sa.SmallInteger, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.String(500), nullable=False),
    sa.Column("first_failed_at", UtcDateTime, nullable=False),
    sa.Column("last_failed_at", UtcDateTime, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime),
    sa.Column("parked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_event_handler_failures_partition", "partition", "parked"),
)
