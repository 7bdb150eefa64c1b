"""One database transaction per unit of work (one HTTP request, one CLI batch).

Append-only rows (audit events, outbox events) are *deferred*: adapters hand them to the unit of
work, which writes them at commit, in the same transaction as the change. On PostgreSQL a small
set of them travels in the same message as ``COMMIT`` (``INSERT …; INSERT …; COMMIT``), values
escaped by libpq (``PQescapeLiteral``): a read that is audited costs no extra round trip for its
audit event, and a change none for its events. Large sets (imports) go through ``COPY`` first.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from psycopg import pq
from sqlalchemy.ext.asyncio import AsyncConnection

from prm.adapters.sql.bulk import COPY_THRESHOLD, insert_rows, is_json_column
from prm.application.shared.ports import UnitOfWork

_encode = msgspec.json.Encoder().encode


class SqlUnitOfWork(UnitOfWork):
    """Commits the REQUEST-scoped connection; closing it without a commit rolls back (and drops
    the deferred rows with everything else)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._deferred: list[tuple[sa.Table, list[Mapping[str, Any]]]] = []

    def defer_insert(self, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` into ``table`` when the unit commits (append-only tables only: nothing
        in the unit may read them back before then)."""
        if rows:
            self._deferred.append((table, list(rows)))

    async def commit(self) -> None:
        deferred, self._deferred = self._deferred, []
        if deferred:
            count = sum(len(rows) for _, rows in deferred)
            if self._connection.dialect.name == "postgresql" and count < COPY_THRESHOLD:
                await self._insert_and_commit(deferred)
            else:
                for table, rows in deferred:
                    await insert_rows(self._connection, table, rows)
        await self._connection.commit()

    async def _insert_and_commit(self, deferred: Sequence[tuple[sa.Table, Sequence[Mapping[str, Any]]]]) -> None:
        if not self._connection.in_transaction():
            await self._connection.begin()
        raw = await self._connection.get_raw_connection()
        driver: Any = raw.driver_connection
        escape = pq.Escaping(driver.pgconn).escape_literal
        statements = [_insert_statement(table, rows, escape) for table, rows in deferred]
        async with driver.cursor() as cursor:
            await cursor.execute(b";".join([*statements, b"COMMIT"]))
        # The server's transaction is committed; SQLAlchemy's commit below only closes its own
        # bookkeeping (psycopg sends nothing when no transaction is open).


def _insert_statement(table: sa.Table, rows: Sequence[Mapping[str, Any]], escape: Any) -> bytes:
    columns = [c.name for c in table.columns]
    json_columns = {c.name for c in table.columns if is_json_column(c)}
    values = b",".join(
        b"(" + b",".join(_literal(row.get(name), name in json_columns, escape) for name in columns) + b")"
        for row in rows
    )
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "  # noqa: S608 - names from our schema
    return head.encode() + values


def _literal(value: Any, json: bool, escape: Any) -> bytes:
    if value is None:
        return b"NULL"
    if json:
        return bytes(escape(_encode(value)))
    if isinstance(value, bool):
        return b"TRUE" if value else b"FALSE"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: PRM stores timezone-aware UTC only")
        return bytes(escape(value.isoformat().encode()))
    if isinstance(value, date):
        return bytes(escape(value.isoformat().encode()))
    return bytes(escape(str(value).encode()))  # str, UUID
