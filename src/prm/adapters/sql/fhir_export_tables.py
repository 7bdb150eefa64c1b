"""Tables of fhir_export (issue 14): the bulk exports, tenant-owned (row-level security,
migration 0026).

``fhir_exports`` holds each kick-off (``resource_types``, ``since``, the request URL; no patient
data), its status, the counts written so far and, once complete, the manifest's files (JSON
``[{type, name, count}]``). The files themselves are on disk under
``<PRM_STATE_DIR>/fhir-exports/<tenant>/<export>/``.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

fhir_exports = sa.Table(
    "fhir_exports",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("requested_by", sa.String(255)),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("resource_types", JsonDocument, nullable=False),
    sa.Column("since", UtcDateTime),
    sa.Column("request_url", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("transaction_time", UtcDateTime, nullable=False),
    sa.Column("written", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer),
    sa.Column("files", JsonDocument, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("expires_at", UtcDateTime),
    sa.Column("version", sa.Integer, nullable=False),
)

__all__ = ["fhir_exports", "metadata"]
