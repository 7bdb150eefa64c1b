"""Transactions on PostgreSQL: one round trip to begin, bound to the caller's tenant for RLS.

The PostgreSQL engine runs psycopg in autocommit mode and begins each transaction itself, from
SQLAlchemy's ``begin`` event (fired before the first statement of a unit of work), with one
simple query: ``BEGIN`` and, when the connection is bound to a tenant (:func:`bind_tenant`),
``SELECT set_config('app.tenant_id', '<uuid>', true)`` in the same message. The setting is
transaction-local, so a pooled connection never carries a tenant into another request; the
row-level security policies (``migrations/rls.py``) read it. ``commit`` and the pool's
rollback-on-return act on the server's transaction as usual (psycopg sends COMMIT/ROLLBACK
whenever one is open, autocommit or not).

Compared with letting psycopg open the transaction (a ``BEGIN`` round trip) and binding the
tenant afterwards (a second one), this saves a round trip on every request. SQLite keeps the
driver's own transaction handling (and has no row-level security).
"""

from typing import Any
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_KEY = "prm.tenant_id"


def _begin_statement(tenant: str | None) -> str:
    if tenant is None:
        return "BEGIN"
    return f"BEGIN; SELECT set_config('app.tenant_id', '{UUID(tenant)}', true)"  # a UUID: safe to inline


def _on_begin(connection: Connection) -> None:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_begin_statement(connection.info.get(_KEY)))
    finally:
        cursor.close()


def install_transactions(engine: AsyncEngine) -> AsyncEngine:
    """Make ``engine`` (PostgreSQL) begin transactions as described above; returns it.

    The engine must have been created with ``isolation_level="AUTOCOMMIT"``. Idempotent.
    """
    if engine.dialect.name == "postgresql" and not event.contains(engine.sync_engine, "begin", _on_begin):
        event.listen(engine.sync_engine, "begin", _on_begin)
    return engine


def bind_tenant(connection: AsyncConnection, tenant_id: UUID) -> None:
    """Transactions begun on ``connection`` from now on see only ``tenant_id``'s rows under RLS.

    Call :func:`unbind_tenant` before the connection goes back to the pool.
    """
    connection.sync_connection.info[_KEY] = str(tenant_id)  # type: ignore[union-attr]


def unbind_tenant(connection: AsyncConnection) -> None:
    info: dict[str, Any] = connection.sync_connection.info  # type: ignore[union-attr]
    info.pop(_KEY, None)
