"""Duplicate patients: blocking keys and the worklist of candidate pairs (issue 13).

- ``patient_match_keys``: each patient's blocking keys (birth date with day and month unordered,
  Metaphones of the family and first given names, phones, emails, identifier values), filled
  here for the patients already stored (merged ones have none);
- ``patient_duplicate_pairs``: the worklist, one row per pair ``patient_a < patient_b`` with the
  score (in thousandths), the reasons and the status (``open``, ``not_duplicate``, ``merged``).

See ``prm.adapters.sql.patients_duplicates_tables``. Tenant-owned, under row-level security.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("patient_match_keys", "patient_duplicate_pairs")
BATCH = 2000

MatchKey = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")

_patients = sa.table(
    "patients",
    sa.column("tenant_id", sa.Uuid),
    sa.column("id", sa.Uuid),
    sa.column("name", JsonDocument),
    sa.column("gender", sa.String),
    sa.column("birth_date", sa.Date),
    sa.column("telecom", JsonDocument),
    sa.column("addresses", JsonDocument),
    sa.column("identifiers", JsonDocument),
    sa.column("status", sa.String),
)
_keys = sa.table(
    "patient_match_keys", sa.column("tenant_id", sa.Uuid), sa.column("key", sa.String), sa.column("patient_id", sa.Uuid)
)


def upgrade() -> None:
    op.create_table(
        "patient_match_keys",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("key", MatchKey, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "key", "patient_id", name="pk_patient_match_keys"),
    )
    op.create_index("ix_patient_match_keys_tenant_id_patient_id", "patient_match_keys", ["tenant_id", "patient_id"])
    op.create_table(
        "patient_duplicate_pairs",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("patient_a", sa.Uuid, nullable=False),
        sa.Column("patient_b", sa.Uuid, nullable=False),
        sa.Column("score_milli", sa.Integer, nullable=False),
        sa.Column("reasons", JsonDocument, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("found_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime),
        sa.Column("decided_by", sa.String(200)),
        sa.PrimaryKeyConstraint("tenant_id", "patient_a", "patient_b", name="pk_patient_duplicate_pairs"),
    )
    op.create_index(
        "ix_patient_duplicate_pairs_tenant_id_status_score_milli",
        "patient_duplicate_pairs",
        ["tenant_id", "status", "score_milli"],
    )
    op.create_index(
        "ix_patient_duplicate_pairs_tenant_id_patient_b", "patient_duplicate_pairs", ["tenant_id", "patient_b"]
    )
    _fill_match_keys()
    for table in TABLES:
        enable_tenant_rls(table)


def _fill_match_keys() -> None:
    """The keys of the patients already stored (computed in Python: Metaphone is not SQL)."""
    from prm.adapters.sql.patients_duplicates import profile_from_row  # the code of this revision
    from prm.domain.patients.duplicates import blocking_keys

    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    if postgres:  # the migration's role may own ``patients`` without bypassing RLS: FORCE would hide every row
        op.execute("ALTER TABLE patients NO FORCE ROW LEVEL SECURITY")
    result = connection.execute(sa.select(_patients).where(_patients.c.status != "merged"))
    while chunk := result.fetchmany(BATCH):
        rows = [
            {"tenant_id": p.tenant_id, "key": key, "patient_id": p.id}
            for p in chunk
            for key in sorted(blocking_keys(profile_from_row(p._mapping)))
        ]
        if rows:
            connection.execute(sa.insert(_keys), rows)
    if postgres:
        op.execute("ALTER TABLE patients FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
    op.drop_index("ix_patient_duplicate_pairs_tenant_id_patient_b", table_name="patient_duplicate_pairs")
    op.drop_index("ix_patient_duplicate_pairs_tenant_id_status_score_milli", table_name="patient_duplicate_pairs")
    op.drop_table("patient_duplicate_pairs")
    op.drop_index("ix_patient_match_keys_tenant_id_patient_id", table_name="patient_match_keys")
    op.drop_table("patient_match_keys")
