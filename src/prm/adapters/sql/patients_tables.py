"""The patients context's tables, as SQLAlchemy Core tables.

Every table carries ``tenant_id`` as the first column of its primary key and of every unique
key. Search columns (``name_tokens``, ``phone_digits``, ``emails``, ``city_key``) are derived
from the documents on write, folded for case- and accent-insensitive matching; PostgreSQL adds
trigram indexes on the phone and email ones (see the migrations). Name search has a table of
its own, ``patient_name_tokens``. Alembic migrations are the only way the schema changes: this
module describes it for queries and for the migration check.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

# Folded sort keys compare byte by byte (collation "C") on PostgreSQL, as SQLite does, so that both
# databases list patients in the same order whatever the server's locale.
SortKey = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
PrefixKey = sa.String(3).with_variant(sa.String(3, collation="C"), "postgresql")

patients = sa.Table(
    "patients",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("mrn", sa.String(64), nullable=False),
    sa.Column("identifiers", JsonDocument, nullable=False),
    sa.Column("name", JsonDocument, nullable=False),
    sa.Column("family_key", SortKey, nullable=False),
    sa.Column("given_key", SortKey, nullable=False),
    sa.Column("name_tokens", sa.Text, nullable=False),
    sa.Column("gender", sa.String(16), nullable=False),
    sa.Column("birth_date", sa.Date),
    sa.Column("deceased_date", sa.Date),
    sa.Column("telecom", JsonDocument, nullable=False),
    sa.Column("phone_digits", sa.Text, nullable=False),
    sa.Column("emails", sa.Text, nullable=False),
    sa.Column("addresses", JsonDocument, nullable=False),
    sa.Column("city", sa.String(200)),
    sa.Column("city_key", sa.String(200)),
    sa.Column("preferred_language", sa.String(35)),
    sa.Column("marital_status", sa.String(8)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("links", JsonDocument),  # FHIR Patient.link after merges (migration 0021); NULL: none
    sa.UniqueConstraint("tenant_id", "mrn"),
    sa.Index("ix_patients_tenant_id_sort", "tenant_id", "family_key", "given_key", "id"),
    sa.Index("ix_patients_tenant_id_birth_date", "tenant_id", "birth_date"),
    sa.Index("ix_patients_tenant_id_city_key", "tenant_id", "city_key"),
    sa.Index("ix_patients_tenant_id_gender", "tenant_id", "gender"),
)

# The index of name search: one row per distinct folded token of a patient's given and family
# names, with the first two and three characters of the token and the patient's sort keys. Name
# search is "every typed token is the prefix of one of the patient's tokens", in list order.
#
# Why not trigram indexes on ``patients.name_tokens``: under row-level security PostgreSQL lets
# only *leakproof* operators drive an index scan before the policy's predicate has run, and
# ``LIKE`` is not leakproof, so the service's role (RLS applies to it) read every patient of the
# tenant for each search (2.4 s at 1,000,000 patients). Equality and ``<``/``>=`` on text are
# leakproof, and B-trees ordered like the list make a search read only what it shows: a typed
# token of three characters or more is found by ``prefix3`` (then ``t <= token < t || U+10FFFF``
# among those), one of two by ``prefix2``, each index giving the matches already in list order
# so that a page stops at its LIMIT. Generic plans (prepared statements) need no literal pattern.
# No foreign key to ``patients``: the rows are only written with the patient's own (and replaced
# on each save), and a key check per row would slow imports; queries join to ``patients``.
patient_name_tokens = sa.Table(
    "patient_name_tokens",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("token", SortKey, primary_key=True),
    sa.Column("prefix2", PrefixKey, nullable=False),
    sa.Column("prefix3", PrefixKey, nullable=False),
    sa.Column("family_key", SortKey, nullable=False),
    sa.Column("given_key", SortKey, nullable=False),
    sa.Index(
        "ix_patient_name_tokens_tenant_id_prefix3",
        "tenant_id",
        "prefix3",
        "family_key",
        "given_key",
        "patient_id",
        "token",
    ),
    sa.Index(
        "ix_patient_name_tokens_tenant_id_prefix2",
        "tenant_id",
        "prefix2",
        "family_key",
        "given_key",
        "patient_id",
        "token",
    ),
)

patient_identifiers = sa.Table(
    "patient_identifiers",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("system", sa.String(255), primary_key=True),
    sa.Column("value", sa.String(255), primary_key=True),
    sa.ForeignKeyConstraint(["tenant_id", "patient_id"], ["patients.tenant_id", "patients.id"], ondelete="CASCADE"),
    sa.Index("ix_patient_identifiers_tenant_id_value", "tenant_id", "value"),
)
