"""Offline sync: change feed and device changes (issue 14).

- ``sync_changes``: the commit-ordered change feed of patients and appointments, keyed in feed
  order ``(tenant_id, seq, id)`` (see ``prm.adapters.sql.sync_tables``);
- ``sync_device_changes``: the device changes applied, by ``(tenant_id, device_id, change_id)``.

Both tenant-owned, under row-level security. The feed starts with every patient and appointment
already there (by ``updated_at``), so that a device's first download gets them all; as its row
id, a backfilled row takes the record's own id.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import UtcDateTime

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_BACKFILL_PATIENTS = """
INSERT INTO sync_changes (tenant_id, seq, id, entity, entity_id, changed_at)
SELECT tenant_id, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY updated_at, id), id, 'patient', id, updated_at
FROM patients
"""
_BACKFILL_APPOINTMENTS = """
INSERT INTO sync_changes (tenant_id, seq, id, entity, entity_id, changed_at)
SELECT a.tenant_id,
       (SELECT COUNT(*) FROM patients p WHERE p.tenant_id = a.tenant_id)
         + ROW_NUMBER() OVER (PARTITION BY a.tenant_id ORDER BY a.updated_at, a.id),
       a.id, 'appointment', a.id, a.updated_at
FROM appointments a
"""


def upgrade() -> None:
    op.create_table(
        "sync_changes",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.Uuid, nullable=False),
        sa.Column("changed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "seq", "id", name="pk_sync_changes"),
    )
    op.create_table(
        "sync_device_changes",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("device_id", sa.String(100), nullable=False),
        sa.Column("change_id", sa.String(100), nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("applied_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "device_id", "change_id", name="pk_sync_device_changes"),
    )
    op.execute(_BACKFILL_PATIENTS)
    op.execute(_BACKFILL_APPOINTMENTS)
    enable_tenant_rls("sync_changes")
    enable_tenant_rls("sync_device_changes")


def downgrade() -> None:
    disable_tenant_rls("sync_device_changes")
    disable_tenant_rls("sync_changes")
    op.drop_table("sync_device_changes")
    op.drop_table("sync_changes")
