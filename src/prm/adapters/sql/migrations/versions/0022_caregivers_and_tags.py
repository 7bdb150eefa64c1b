"""Caregivers (FHIR RelatedPerson) and tenant tags attached to patients, appointments, tickets and journeys (issue 13).

- ``caregivers``: a patient's related persons (relationship, contact points, preferred channel,
  whether they receive the patient's communications, active period);
- ``tags``: the tenant's tags, unique by folded name;
- ``tag_links``: a tag attached to one entity (kind and id), once.

Tenant-owned, under row-level security (see ``prm.adapters.sql.caregivers_tables`` and
``prm.adapters.sql.tags_tables``).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("caregivers", "tags", "tag_links")
INDEXES = (
    ("ix_caregivers_tenant_id_patient_id", "caregivers", ["tenant_id", "patient_id", "id"]),
    ("ix_tag_links_tenant_id_entity_kind_entity_id", "tag_links", ["tenant_id", "entity_kind", "entity_id"]),
)
NameKey = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "caregivers",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("name", JsonDocument, nullable=False),
        sa.Column("relationship", sa.String(16), nullable=False),
        sa.Column("telecom", JsonDocument, nullable=False),
        sa.Column("preferred_channel", sa.String(16)),
        sa.Column("receives_communications", sa.Boolean, nullable=False),
        sa.Column("period_start", sa.Date),
        sa.Column("period_end", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_caregivers"),
    )
    op.create_table(
        "tags",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_key", NameKey, nullable=False),
        sa.Column("colour", sa.String(7), nullable=False),
        sa.Column("description", sa.String(500)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_tags"),
        sa.UniqueConstraint("tenant_id", "name_key", name="uq_tags_tenant_id_name_key"),
    )
    op.create_table(
        "tag_links",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("tag_id", sa.Uuid, nullable=False),
        sa.Column("entity_kind", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.Uuid, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "tag_id", "entity_kind", "entity_id", name="pk_tag_links"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tag_id"], ["tags.tenant_id", "tags.id"], name="fk_tag_links_tenant_id_tag_id_tags"
        ),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    for table in reversed(TABLES):
        op.drop_table(table)
