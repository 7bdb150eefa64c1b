"""Fresh planner statistics for tables as they fill: ``ANALYZE`` them as they grow.

PostgreSQL plans a statement from the table's statistics, and a session keeps the plans of its
foreign-key checks until the statistics change. A bulk load into empty tables therefore goes on
with the plans made when they were empty: a sequential scan of ``patients`` for every
``patient_identifiers`` row, and an import that falls from thousands of rows a second to about
a hundred by 30,000 rows. Autovacuum would analyze the tables in time, but an import must not
depend on it (it may be off, or behind), nor may a queue filled one message at a time (the
generic plan of an update by primary key, made with no statistics, chose another index and
filtered every row): so the rows each process inserts into a table, or copies, are counted (by
the PostgreSQL connection, :mod:`~prm.adapters.sql.postgres`), and the table is analyzed when
the count passes 1,000, then 10,000, 100,000, and so on: after a ``COPY`` in the same
transaction, otherwise just after the commit. Between two thresholds the planner's estimates grow
with the table (it scales the row density it last saw by the table's current size), so ten times
apart is enough, and a million-row load costs four ``ANALYZE`` of a 30,000-row sample each.

``ANALYZE (SKIP_LOCKED)`` never waits: a table another importer is analyzing at that moment is
left to that one. After a ``COPY`` it sees the rows its transaction has added; its lock
(``SHARE UPDATE EXCLUSIVE``, which does not conflict with reads and writes) is held until the
transaction ends. A role that does not own the table gets a warning from PostgreSQL, not an error.
"""

FIRST_THRESHOLD = 1_000
"""Rows inserted or copied into a table (by this process) at which it is analyzed first."""
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


def analyze_sql(table_name: str) -> str:
    """The statement ``ANALYZE (SKIP_LOCKED) "<table_name>"`` for one of PRM's own tables (the
    name is quoted, not escaped: never pass it input); see the module docstring."""
    return f'ANALYZE (SKIP_LOCKED) "{table_name}"'
