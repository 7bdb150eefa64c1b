"""Fresh planner statistics for tables filled in bulk: ``ANALYZE`` them as they grow.

PostgreSQL plans a statement from the table's statistics, and a session keeps the plans of its
foreign-key checks until the statistics change. A bulk load into empty tables therefore goes on
with the plans made when they were empty: a sequential scan of ``patients`` for every
``patient_identifiers`` row, and an import that falls from thousands of rows a second to about
a hundred by 30,000 rows. Autovacuum would analyze the tables in time, but an import must not
depend on it (it may be off, or behind): so the rows each process copies into a table are
counted, and the table is analyzed in the same transaction when the count passes 1,000, then
10,000, 100,000, and so on. Between two thresholds the planner's estimates grow with the table
(it scales the row density it last saw by the table's current size), so ten times apart is enough,
and a million-row load costs four ``ANALYZE`` of a 30,000-row sample each.

``ANALYZE (SKIP_LOCKED)`` never waits: a table another importer is analyzing at that moment is
left to that one. Inside the transaction it sees the rows the transaction has added; its lock
(``SHARE UPDATE EXCLUSIVE``, which does not conflict with reads and writes) is held until the
transaction ends. A role that does not own the table gets a warning from PostgreSQL, not an error.
"""

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection

FIRST_THRESHOLD = 1_000
"""Rows copied into a table (by this process) at which it is analyzed first."""
GROWTH = 10
"""Each later threshold is this many times the previous one."""


class TableGrowth:
    """The rows copied into each table (by name), and the count at which each is analyzed next.

    One per process (:data:`THIS_PROCESS`), on purpose: a rule that needs no coordination. Several
    importers each analyze at their own thresholds, and ``SKIP_LOCKED`` keeps them from waiting
    on one another. Within a process the event loop runs one batch's bookkeeping at a time."""

    def __init__(self, first: int = FIRST_THRESHOLD, growth: int = GROWTH) -> None:
        self._first = first
        self._growth = growth
        self._copied: dict[str, int] = {}
        self._next: dict[str, int] = {}

    def due(self, table: str, rows: int) -> bool:
        """Count ``rows`` more copied into ``table``; whether that reached the table's next
        threshold (which then moves past the count)."""
        copied = self._copied.get(table, 0) + rows
        self._copied[table] = copied
        threshold = self._next.get(table, self._first)
        if copied < threshold:
            return False
        while threshold <= copied:
            threshold *= self._growth
        self._next[table] = threshold
        return True


THIS_PROCESS = TableGrowth()


async def analyze_as_it_grows(
    connection: SqlConnection, table: sa.Table, rows: int, growth: TableGrowth | None = None
) -> None:
    """After ``rows`` were copied into ``table`` on ``connection`` (PostgreSQL): ``ANALYZE`` it,
    in the same transaction, when that reached a threshold of ``growth`` (default
    :data:`THIS_PROCESS`; see the module docstring)."""
    if connection.dialect.name == "postgresql" and (growth or THIS_PROCESS).due(table.name, rows):
        await connection.execute(sa.text(f"ANALYZE (SKIP_LOCKED) {table.name}"))
