"""The read path: name search by token, and one audit event per page read.

- ``patient_name_tokens``: one row per distinct folded token of each patient's names, with its
  first two and three characters and the patient's sort keys, indexed in list order; filled
  here from ``patients.name_tokens``. It replaces the trigram index on ``name_tokens``, which the
  service's role could not use under row-level security (``LIKE`` is not leakproof).
- ``audit_events.entity_ids``: the records of an event that names several (the page of a list or
  search), and ``audit_event_entities``, one row per record of such an event, by which "who read
  patient X" is an index look-up (a GIN index on the list could not serve it under row-level
  security either). ``ix_audit_events_tenant_id_entity`` on ``(tenant_id, entity_type,
  entity_id)`` becomes ``(tenant_id, entity_id)``: the look-up by record alone, which the API
  makes, no longer reads the tenant's whole index.

Both new tables are tenant-owned, under row-level security; ``audit_event_entities`` is
append-only like ``audit_events``. Going down, each event that names several records gets one
event per record again (the read events written since the upgrade stay findable by record).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
SortKey = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
PrefixKey = sa.String(3).with_variant(sa.String(3, collation="C"), "postgresql")
BATCH = 5000

_patients = sa.table(
    "patients",
    sa.column("tenant_id", sa.Uuid),
    sa.column("id", sa.Uuid),
    sa.column("name_tokens", sa.Text),
    sa.column("family_key", sa.String),
    sa.column("given_key", sa.String),
)
_tokens = sa.table(
    "patient_name_tokens",
    sa.column("tenant_id", sa.Uuid),
    sa.column("patient_id", sa.Uuid),
    sa.column("token", sa.String),
    sa.column("prefix2", sa.String),
    sa.column("prefix3", sa.String),
    sa.column("family_key", sa.String),
    sa.column("given_key", sa.String),
)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _fill_name_tokens() -> None:
    if _is_postgresql():
        # The migration's role may own ``patients`` without bypassing RLS: FORCE would hide every row.
        op.execute("ALTER TABLE patients NO FORCE ROW LEVEL SECURITY")
        op.execute(
            "INSERT INTO patient_name_tokens (tenant_id, patient_id, token, prefix2, prefix3, family_key, given_key) "
            "SELECT DISTINCT p.tenant_id, p.id, t.token, left(t.token, 2), left(t.token, 3), p.family_key, "
            "p.given_key FROM patients p, unnest(string_to_array(btrim(p.name_tokens), ' ')) AS t(token) "
            "WHERE t.token <> ''"
        )
        op.execute("ALTER TABLE patients FORCE ROW LEVEL SECURITY")
        return
    connection = op.get_bind()
    result = connection.execute(sa.select(_patients))
    while chunk := result.fetchmany(BATCH):
        rows = [
            {
                "tenant_id": p.tenant_id,
                "patient_id": p.id,
                "token": token,
                "prefix2": token[:2],
                "prefix3": token[:3],
                "family_key": p.family_key,
                "given_key": p.given_key,
            }
            for p in chunk
            for token in dict.fromkeys(p.name_tokens.split())
        ]
        if rows:
            connection.execute(sa.insert(_tokens), rows)


def upgrade() -> None:
    op.create_table(
        "patient_name_tokens",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("token", SortKey, nullable=False),
        sa.Column("prefix2", PrefixKey, nullable=False),
        sa.Column("prefix3", PrefixKey, nullable=False),
        sa.Column("family_key", SortKey, nullable=False),
        sa.Column("given_key", SortKey, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "patient_id", "token", name="pk_patient_name_tokens"),
    )
    _fill_name_tokens()
    for prefix in ("prefix3", "prefix2"):
        op.create_index(
            f"ix_patient_name_tokens_tenant_id_{prefix}",
            "patient_name_tokens",
            ["tenant_id", prefix, "family_key", "given_key", "patient_id", "token"],
        )
    enable_tenant_rls("patient_name_tokens")
    if _is_postgresql():
        op.execute("DROP INDEX IF EXISTS ix_patients_name_tokens_trgm")
        op.execute("ANALYZE patient_name_tokens")  # autovacuum may be off, and the planner needs the statistics

    op.add_column("audit_events", sa.Column("entity_ids", JSON))
    op.drop_index("ix_audit_events_tenant_id_entity", table_name="audit_events")
    op.create_index("ix_audit_events_tenant_id_entity_id", "audit_events", ["tenant_id", "entity_id"])
    op.create_table(
        "audit_event_entities",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("entity_id", sa.Uuid, nullable=False),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "entity_id", "event_id", name="pk_audit_event_entities"),
    )
    enable_tenant_rls("audit_event_entities")
    if _is_postgresql():
        op.execute(
            "CREATE TRIGGER audit_event_entities_append_only BEFORE UPDATE OR DELETE ON audit_event_entities "
            "FOR EACH ROW EXECUTE FUNCTION prm_refuse_audit_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_entities_no_truncate BEFORE TRUNCATE ON audit_event_entities "
            "FOR EACH STATEMENT EXECUTE FUNCTION prm_refuse_audit_change()"
        )


_EVENT_COLUMNS = (
    "tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, request_id, "
    "client_ip"
)


def _split_events() -> None:
    """One event per record named by an event that names several (the trail is append-only:
    the events themselves stay)."""
    if _is_postgresql():
        new_id, entity = "gen_random_uuid()", "x.entity_id::text"
        op.execute("ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE audit_event_entities NO FORCE ROW LEVEL SECURITY")
    else:  # a Uuid is 32 hex digits on SQLite; entity_id holds the canonical text
        new_id = "lower(hex(randomblob(16)))"
        entity = (
            "lower(substr(x.entity_id, 1, 8) || '-' || substr(x.entity_id, 9, 4) || '-' || substr(x.entity_id, 13, 4)"
            " || '-' || substr(x.entity_id, 17, 4) || '-' || substr(x.entity_id, 21))"
        )
    op.execute(
        f"INSERT INTO audit_events ({_EVENT_COLUMNS}) "
        f"SELECT e.tenant_id, {new_id}, e.occurred_at, e.actor_type, e.actor_id, e.action, e.entity_type, {entity}, "
        "e.changed_fields, e.request_id, e.client_ip FROM audit_events e JOIN audit_event_entities x "
        "ON x.tenant_id = e.tenant_id AND x.event_id = e.id"
    )
    if _is_postgresql():
        op.execute("ALTER TABLE audit_events FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    _split_events()
    disable_tenant_rls("audit_event_entities")
    op.drop_table("audit_event_entities")
    op.drop_index("ix_audit_events_tenant_id_entity_id", table_name="audit_events")
    op.create_index("ix_audit_events_tenant_id_entity", "audit_events", ["tenant_id", "entity_type", "entity_id"])
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("entity_ids")

    disable_tenant_rls("patient_name_tokens")
    op.drop_table("patient_name_tokens")
    if _is_postgresql():
        op.execute("CREATE INDEX ix_patients_name_tokens_trgm ON patients USING gin (name_tokens gin_trgm_ops)")
