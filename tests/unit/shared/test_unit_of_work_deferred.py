"""The unit of work writes its deferred append-only rows one statement a table, however many
times an adapter deferred rows for that table (a batch of 1,000 events defers event by event)."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from prm.adapters.sql.bulk import COPY_THRESHOLD
from prm.adapters.sql.connection import Deferred, Parameters, RowCheck
from prm.adapters.sql.unit_of_work import SqlUnitOfWork

_metadata = sa.MetaData()
parents = sa.Table("parents", _metadata, sa.Column("id", sa.Integer, primary_key=True))
children = sa.Table(
    "children",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parents.id")),
)


class RecordingConnection:
    """What the unit of work sends, in order: ``("insert"|"copy", table, rows)`` and ``("commit",
    table, rows)`` for each deferred entry handed to ``commit``."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.sent: list[tuple[str, str, int]] = []

    async def execute(self, statement: sa.Executable, parameters: Parameters = None) -> Any:
        assert isinstance(statement, sa.Insert)
        self.sent.append(("insert", statement.table.name, len(parameters) if isinstance(parameters, list) else 1))

    def defer(self, statement: sa.Executable, parameters: Parameters = None, check: RowCheck | None = None) -> None:
        raise AssertionError("not used here")

    async def commit(self, deferred: Deferred = ()) -> None:
        self.sent.extend(("commit", table.name, len(rows)) for table, rows in deferred)

    async def copy(self, table: sa.Table, columns: Sequence[str], data: bytes) -> None:
        self.sent.append(("copy", table.name, data.count(b"\n")))

    async def lock_for_writing(self) -> None:
        return None


def _defer_event_by_event(uow: SqlUnitOfWork, events: int) -> None:
    for i in range(events):
        uow.defer_insert(parents, [{"id": i}])
        uow.defer_insert(children, [{"id": 2 * i, "parent_id": i}, {"id": 2 * i + 1, "parent_id": i}])


async def test_a_large_set_is_one_copy_a_table_parents_first() -> None:
    connection = RecordingConnection(postgresql.dialect())  # type: ignore[no-untyped-call]
    uow = SqlUnitOfWork(connection)
    _defer_event_by_event(uow, 100)
    await uow.commit()
    assert connection.sent == [("copy", "parents", 100), ("copy", "children", 200)]


async def test_a_small_set_reaches_commit_as_one_entry_a_table() -> None:
    connection = RecordingConnection(sqlite.dialect())
    uow = SqlUnitOfWork(connection)
    events = COPY_THRESHOLD // 3 - 1  # 3 rows an event: under the threshold
    _defer_event_by_event(uow, events)
    await uow.commit()
    assert connection.sent == [("commit", "parents", events), ("commit", "children", 2 * events)]


async def test_a_large_set_on_sqlite_is_one_insert_a_table() -> None:
    connection = RecordingConnection(sqlite.dialect())
    uow = SqlUnitOfWork(connection)
    _defer_event_by_event(uow, 100)
    await uow.commit()
    assert connection.sent == [("insert", "parents", 100), ("insert", "children", 200)]
