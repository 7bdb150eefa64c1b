"""Binding each transaction to the caller's tenant, for PostgreSQL's row-level security.

:func:`install_tenant_binding` registers one engine-level ``begin`` listener. A unit of work
marks its connection with :func:`bind_tenant`; from then on every transaction the connection
begins starts with ``set_config('app.tenant_id', <tenant>, true)`` (transaction-local: it ends
with the transaction, so a pooled connection never carries a tenant into another request). The
statement goes straight to the driver, on the connection, before SQLAlchemy's first statement of
the transaction: one extra round trip per transaction. A no-op on SQLite.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_KEY = "prm.tenant_id"
_SET = "SELECT set_config('app.tenant_id', %s, true)"


def _on_begin(connection: Connection) -> None:
    tenant = connection.info.get(_KEY)
    if tenant is None:
        return
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_SET, (tenant,))
    finally:
        cursor.close()


def install_tenant_binding(engine: AsyncEngine) -> None:
    """Make :func:`bind_tenant` effective on ``engine`` (PostgreSQL only; idempotent)."""
    if engine.dialect.name != "postgresql":
        return
    if not event.contains(engine.sync_engine, "begin", _on_begin):
        event.listen(engine.sync_engine, "begin", _on_begin)


def bind_tenant(connection: AsyncConnection, tenant_id: UUID) -> None:
    """Transactions begun on ``connection`` from now on see only ``tenant_id``'s rows under RLS.

    Call :func:`unbind_tenant` before the connection goes back to the pool.
    """
    connection.sync_connection.info[_KEY] = str(tenant_id)  # type: ignore[union-attr]


def unbind_tenant(connection: AsyncConnection) -> None:
    info: dict[str, Any] = connection.sync_connection.info  # type: ignore[union-attr]
    info.pop(_KEY, None)
