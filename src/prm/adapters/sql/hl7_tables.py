"""Tables of the hl7 context (issue 14): the HL7 v2 messages received (migration 0024) and the
links of SIU appointment ids to PRM appointments (0025), tenant-owned (row-level security).

``(tenant_id, sending_facility, dedup_key)`` is unique: ``dedup_key`` is the control id (MSH-10)
of an accepted message and NULL for a rejected one (NULLs never collide), so that a repeat is
refused by the database even between concurrent deliveries. Each list filter has an index in list
order (newest received first); ``control_id`` an exact look-up (parse status).
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

hl7_messages = sa.Table(
    "hl7_messages",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("control_id", sa.String(199), nullable=False),
    sa.Column("dedup_key", sa.String(199)),
    sa.Column("message_type", sa.String(64), nullable=False),
    sa.Column("hl7_version", sa.String(16), nullable=False),
    sa.Column("sending_application", sa.String(255), nullable=False),
    sa.Column("sending_facility", sa.String(255), nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("ack_code", sa.String(2), nullable=False),
    sa.Column("errors", JsonDocument, nullable=False),
    sa.Column("changes", JsonDocument, nullable=False),
    sa.Column("sender_message_id", sa.String(255)),
    sa.Column("correlation_id", sa.String(255)),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("processed_at", UtcDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint("tenant_id", "sending_facility", "dedup_key"),
    sa.Index("ix_hl7_messages_tenant_id_received_at", "tenant_id", "received_at", "id"),
    sa.Index("ix_hl7_messages_tenant_id_status", "tenant_id", "status", "received_at", "id"),
    sa.Index("ix_hl7_messages_tenant_id_message_type", "tenant_id", "message_type", "received_at", "id"),
    sa.Index("ix_hl7_messages_tenant_id_control_id", "tenant_id", "control_id", "received_at"),
)
"""``raw`` is the message as received (BOM removed, segments CR-separated): PHI."""

hl7_appointment_links = sa.Table(
    "hl7_appointment_links",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("sending_facility", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("external_id", sa.String(255), primary_key=True),
    sa.Column("appointment_id", sa.Uuid, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_hl7_appointment_links_tenant_id_appointment_id", "tenant_id", "appointment_id"),
)
"""SIU appointment ids (SCH-1 placer, SCH-2 filler: ``kind``) of a sending facility (MSH-4)
linked to the PRM appointment they name (migration 0025): later messages find it by either."""
