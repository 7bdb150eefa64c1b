"""The patients context's merge records (migration 0021), tenant-owned, under row-level security.

``patient_merges``: one row per merge of ``source_patient_id`` into ``target_patient_id``, with
both records as they were (``source_before``, ``target_before``: the aggregates as JSON), their
versions right after the merge, the fields taken, and ``changes``: per context, every row the
merge changed there (see :mod:`prm.application.patients.references`), grouped as
``[{"table", "before", "after", "keys": [...]}, ...]`` runs so that 1,000 re-pointed messages
are one entry with 1,000 keys. ``counts`` holds the number of rows per context, for lists.

The patients' own links (FHIR ``Patient.link``) are the ``links`` column of ``patients``.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

patient_merges = sa.Table(
    "patient_merges",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("source_patient_id", sa.Uuid, nullable=False),
    sa.Column("target_patient_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(500)),
    sa.Column("fields", JsonDocument, nullable=False),
    sa.Column("merged_at", UtcDateTime, nullable=False),
    sa.Column("merged_by", sa.String(200), nullable=False),
    sa.Column("source_before", JsonDocument, nullable=False),
    sa.Column("target_before", JsonDocument, nullable=False),
    sa.Column("source_version", sa.Integer, nullable=False),
    sa.Column("target_version", sa.Integer, nullable=False),
    sa.Column("changes", JsonDocument, nullable=False),
    sa.Column("counts", JsonDocument, nullable=False),
    sa.Column("undone_at", UtcDateTime),
    sa.Column("undone_by", sa.String(200)),
    sa.Index("ix_patient_merges_tenant_id_merged_at", "tenant_id", "merged_at", "id"),
    sa.Index("ix_patient_merges_tenant_id_source_patient_id", "tenant_id", "source_patient_id"),
    sa.Index("ix_patient_merges_tenant_id_target_patient_id", "tenant_id", "target_patient_id"),
)
