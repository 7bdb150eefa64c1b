"""Tables of offline sync (issue 14), tenant-owned (row-level security, migration 0027).

- ``sync_changes``: the change feed, one row per patient or appointment changed by a committed
  transaction, written in that transaction (``adapters.sync.feed_outbox``), keyed and read in
  feed order ``(tenant_id, seq, id)``. ``seq`` is in commit order within the tenant: a writer
  numbers its rows after the tenant's highest committed ``seq`` while it alone may write the
  tenant's feed until it commits (PostgreSQL: a transaction-scoped advisory lock per tenant,
  taken just before the commit; SQLite: its single write lock). So a row never appears below a
  position a reader has already passed, however late its transaction commits; ``id`` (UUIDv7)
  orders the rows of one transaction. A row that a later row of the same record supersedes is
  deleted by the ``sync.compact_feed`` job (a download answers each record's current state, so
  the latest row is all a device needs), found through ``ix_sync_changes_tenant_id_entity_id``.
- ``sync_device_changes``: each device change applied, by ``(tenant_id, device_id, change_id)``,
  with the record and version it gave: uploading it again answers from here.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import UtcDateTime

sync_changes = sa.Table(
    "sync_changes",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("entity", sa.String(16), nullable=False),
    sa.Column("entity_id", sa.Uuid, nullable=False),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    sa.Index("ix_sync_changes_tenant_id_entity_id", "tenant_id", "entity", "entity_id", "seq"),
)

sync_device_changes = sa.Table(
    "sync_device_changes",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("device_id", sa.String(100), primary_key=True),
    sa.Column("change_id", sa.String(100), primary_key=True),
    sa.Column("entity", sa.String(16), nullable=False),
    sa.Column("operation", sa.String(16), nullable=False),
    sa.Column("entity_id", sa.Uuid, nullable=False),
    sa.Column("version", sa.Integer),
    sa.Column("applied_at", UtcDateTime, nullable=False),
)
