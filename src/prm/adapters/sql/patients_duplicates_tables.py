"""The duplicate-detection tables of the patients context (migration 0020), tenant-owned, under
row-level security.

- ``patient_match_keys``: the blocking keys of each patient (see
  ``prm.domain.patients.duplicates.blocking_keys``), one row per key, replaced with the patient's
  row on each save; a merged patient has none. Candidates of a patient are the patients sharing
  one of its keys: equality on ``(tenant_id, key)``, the primary key's prefix (equality is
  leakproof, so the look-up uses the index under row-level security). No foreign key to
  ``patients``, as for ``patient_name_tokens``: a check per row would slow imports.
- ``patient_duplicate_pairs``: the worklist. One row per pair ``patient_a < patient_b`` (UUID
  order), with the score in thousandths (``score_milli``, 0..1000: both databases compare
  integers alike), the ``reasons`` (JSON list of ``{field, kind, weight,
  similarity}``), ``status`` (``open``, ``not_duplicate``, ``merged``) and when it was found and
  decided. A pair marked ``not_duplicate`` is never proposed again.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

MatchKey = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")

patient_match_keys = sa.Table(
    "patient_match_keys",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("key", MatchKey, primary_key=True),
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Index("ix_patient_match_keys_tenant_id_patient_id", "tenant_id", "patient_id"),
)

patient_duplicate_pairs = sa.Table(
    "patient_duplicate_pairs",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("patient_a", sa.Uuid, primary_key=True),
    sa.Column("patient_b", sa.Uuid, primary_key=True),
    sa.Column("score_milli", sa.Integer, nullable=False),
    sa.Column("reasons", JsonDocument, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("found_at", UtcDateTime, nullable=False),
    sa.Column("decided_at", UtcDateTime),
    sa.Column("decided_by", sa.String(200)),
    sa.Index("ix_patient_duplicate_pairs_tenant_id_status_score_milli", "tenant_id", "status", "score_milli"),
    sa.Index("ix_patient_duplicate_pairs_tenant_id_patient_b", "tenant_id", "patient_b"),
)
