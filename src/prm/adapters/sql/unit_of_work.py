"""One database transaction per unit of work (one HTTP request, one CLI batch).

Append-only rows (audit events, outbox events) are *deferred*: adapters hand them to the unit of
work, which writes them at commit, in the same transaction as the change. On PostgreSQL a small
set of them travels in the same message as ``COMMIT`` (``INSERT …; INSERT …; COMMIT``): a read
that is audited costs no extra round trip for its audit event, and a change none for its events.
Large sets (imports) go through ``COPY`` first. Writes an adapter deferred on the connection
(``SqlConnection.defer``) travel with them.

Rows that must be written at the very end (the offline-sync feed, numbered under a per-tenant lock that
must be held for as short a time as possible) are *collected* (:meth:`SqlUnitOfWork.collect`)
and turned into statements only at commit, after everything else the unit wrote.
"""

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.bulk import COPY_THRESHOLD, insert_rows
from prm.adapters.sql.connection import Parameters, SqlConnection
from prm.adapters.sql.constraints import domain_error_for
from prm.application.shared.ports import UnitOfWork

Finisher = Callable[[Sequence[Any]], Iterable[tuple[sa.Executable, Parameters]]]
"""Turns every item collected for it in a unit into the statements that write them (at commit)."""


class SqlUnitOfWork(UnitOfWork):
    """Commits the REQUEST-scoped connection; closing it without a commit rolls back (and drops
    the deferred rows with everything else)."""

    def __init__(self, connection: SqlConnection) -> None:
        self._connection = connection
        self._deferred: list[tuple[sa.Table, list[Mapping[str, Any]]]] = []
        self._collected: list[tuple[Finisher, list[Any]]] = []
        self._holding = 0

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Inside the block, :meth:`commit` commits nothing: another context's use case called
        through an adapter (an appointment confirmed by a patient's reply) joins the caller's
        transaction, which the caller commits once with its own writes, or not at all."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1

    @asynccontextmanager
    async def savepoint(self, name: str = "uow") -> AsyncIterator[None]:
        """Inside the block the unit is :meth:`held`; an error in it rolls back to a ``SAVEPOINT``
        taken first and drops the rows deferred inside, and is raised again: the block's writes
        are undone, the unit's earlier ones kept. ``name``: an SQL identifier."""
        await self._connection.lock_for_writing()  # SQLite: the write lock before the savepoint
        await self._connection.execute(sa.text(f"SAVEPOINT {name}"))
        mark, collected = len(self._deferred), len(self._collected)
        try:
            async with self.held():
                yield
        except BaseException:
            del self._deferred[mark:]
            del self._collected[collected:]
            await self._connection.execute(sa.text(f"ROLLBACK TO SAVEPOINT {name}"))
            raise

    def defer_insert(self, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` into ``table`` when the unit commits (append-only tables only: nothing
        in the unit may read them back before then)."""
        if rows:
            self._deferred.append((table, list(rows)))

    def collect(self, finisher: Finisher, items: Sequence[Any]) -> None:
        """At commit, call ``finisher`` once with every item collected for it (equal finishers,
        e.g. one adapter's bound method, share one call), in order, and send the statements it
        returns after the unit's other writes (only its deferred append-only rows follow them), in
        the message with ``COMMIT``. Items collected
        inside a :meth:`savepoint` that rolls back are dropped."""
        if items:
            self._collected.append((finisher, list(items)))

    def _finish(self) -> None:
        collected, self._collected = self._collected, []
        by_finisher: dict[Finisher, list[Any]] = {}
        for finisher, items in collected:
            by_finisher.setdefault(finisher, []).extend(items)
        for finisher, items in by_finisher.items():
            for statement, parameters in finisher(items):
                self._connection.defer(statement, parameters)

    async def commit(self) -> None:
        """Commit, with the deferred rows, the connection's deferred writes and then what was
        collected; a unique key they violate is raised as the domain error it means
        (``constraints.CONSTRAINT_TO_ERROR``). Nothing while :meth:`held`."""
        if self._holding:
            return
        deferred, self._deferred = _by_table(self._deferred), []
        try:
            if sum(len(rows) for _, rows in deferred) >= COPY_THRESHOLD:
                for table, rows in deferred:
                    await insert_rows(self._connection, table, rows)
                deferred = []
            self._finish()
            await self._connection.commit(deferred)
        except IntegrityError as exc:
            error = domain_error_for(exc)
            if error is None:
                raise
            raise error from exc


def _by_table(
    deferred: Sequence[tuple[sa.Table, list[Mapping[str, Any]]]],
) -> list[tuple[sa.Table, list[Mapping[str, Any]]]]:
    """The deferred rows, one entry a table (in the order the tables came first, which keeps a
    table whose rows refer to another's after it): a batch of 1,000 events deferred its outbox
    and audit rows event by event, and each entry cost a statement, a round trip at the COPY
    threshold (journeys bench: 4,000 round trips a batch)."""
    merged: dict[sa.Table, list[Mapping[str, Any]]] = {}
    for table, rows in deferred:
        merged.setdefault(table, []).extend(rows)
    return list(merged.items())
