"""Tables of the communications context's consent part (migration 0011), tenant-owned, under
row-level security on PostgreSQL.

- ``communication_consents``: the consent history, appended and never updated; the current
  consent of a patient on a channel is the latest row (``recorded_at``, then ``id``: UUIDv7);
- ``communication_preferences``: one row per patient, event type and channel set (missing:
  enabled);
- ``communication_settings``: one row per tenant (quiet hours as local ``HH:MM``, the IANA time
  zone they are read in, ``require_explicit_consent``, the default language).
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import UtcDateTime

communication_consents = sa.Table(
    "communication_consents",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("provision", sa.String(16), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Index(
        "ix_communication_consents_tenant_id_patient_id_channel",
        "tenant_id",
        "patient_id",
        "channel",
        "recorded_at",
        "id",
    ),
)

communication_preferences = sa.Table(
    "communication_preferences",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("event_type", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
)

communication_settings = sa.Table(
    "communication_settings",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("quiet_hours_start", sa.String(5), nullable=False),
    sa.Column("quiet_hours_end", sa.String(5), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("require_explicit_consent", sa.Boolean, nullable=False),
    sa.Column("default_language", sa.String(35), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
)
