"""Row-level security for tenant-owned tables, for migrations to call (PostgreSQL only).

The application scopes every query to the caller's tenant in its adapters; RLS is the second
line of defence. Each transaction of a unit of work starts with
``set_config('app.tenant_id', '<uuid>', true)`` (see ``prm.adapters.sql.tenancy``), and the
policy lets a statement see and write only rows whose ``tenant_id`` is that value. Without the
setting no row is visible. ``FORCE`` makes the policy apply to the table's owner too; superusers
and roles with ``BYPASSRLS`` still bypass it (run the service as an ordinary role to get the
protection: migrations and operators may keep a superuser).

>>> enable_tenant_rls("appointments")        # in a migration's upgrade()   # doctest: +SKIP
"""

from alembic import op

TENANT_SETTING = "app.tenant_id"
POLICY = "tenant_isolation"


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def enable_tenant_rls(table_name: str) -> None:
    """Enable and force RLS on ``table_name`` with a ``tenant_isolation`` policy on ``tenant_id``.

    A no-op on SQLite (which has no RLS). The table must have a ``tenant_id uuid`` column.
    """
    if not _is_postgresql():
        return
    op.execute(f"ALTER TABLE {table_name} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table_name} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON {table_name} "
        f"USING (tenant_id = NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid) "
        f"WITH CHECK (tenant_id = NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid)"
    )


def disable_tenant_rls(table_name: str) -> None:
    """Undo :func:`enable_tenant_rls` (for ``downgrade``); a no-op on SQLite."""
    if not _is_postgresql():
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table_name}")
    op.execute(f"ALTER TABLE {table_name} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table_name} DISABLE ROW LEVEL SECURITY")
