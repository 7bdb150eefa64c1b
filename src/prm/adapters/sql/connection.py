"""The executor port of the SQL adapters: one connection per unit of work, statements from SQLAlchemy Core.

Repositories are written once, against :class:`SqlConnection`, whatever runs underneath:

- PostgreSQL: psycopg 3 directly (:mod:`prm.adapters.sql.postgres`), with a ``psycopg_pool`` pool,
  statements compiled once by SQLAlchemy to psycopg's parameter style and run as prepared
  statements, rows mapped straight to tuples with names;
- SQLite: SQLAlchemy's aiosqlite engine (:mod:`prm.adapters.sql.sqlite`), as before.

SQLAlchemy stays the one place where tables and statements are defined, and Alembic the only way
the schema changes. The surface is the part of SQLAlchemy's ``AsyncConnection`` the adapters use:
``execute(statement, parameters)`` returning a :class:`SqlResult`, ``dialect.name``, and a few
operations whose best form differs by database (``commit`` with the deferred rows, ``copy``,
``lock_for_writing``). Errors are SQLAlchemy's (``IntegrityError`` with the driver's error as
``orig``), so that adapters translate constraint violations in one way.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


@dataclass(frozen=True, slots=True)
class RowCheck:
    """What a deferred write must have changed: ``rows`` rows (all its parameter sets together),
    else ``error`` is raised where the write is sent (by the next statement, or by ``commit``,
    which then commits nothing), and by every statement after it: the transaction is spoilt."""

    rows: int
    error: Exception


Deferred = Sequence[tuple[sa.Table, Sequence[Mapping[str, Any]]]]


class SqlRow(Protocol):
    """A row: a tuple that also answers by column name (``row.id``, ``row._mapping["id"]``)."""

    @property
    def _mapping(self) -> Mapping[str, Any]: ...

    def __getitem__(self, index: int) -> Any: ...

    def __getattr__(self, name: str) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


class SqlResult(Protocol):
    """The rows of one statement (all fetched) and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def all(self) -> Sequence[Any]: ...

    def first(self) -> Any: ...

    def one(self) -> Any: ...

    def one_or_none(self) -> Any: ...

    def scalar(self) -> Any: ...

    def scalar_one(self) -> Any: ...

    def scalar_one_or_none(self) -> Any: ...

    def scalars(self) -> Any: ...

    def mappings(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class SqlConnection(Protocol):
    """One unit of work's connection and transaction.

    The transaction begins with the first statement (on PostgreSQL bound to the connection's
    tenant for row-level security, in the same round trip) and ends with :meth:`commit`; leaving
    the connection without a commit rolls everything back.
    """

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, statement: sa.Executable, parameters: Parameters = None) -> SqlResult:
        """Run ``statement`` (with ``parameters``: one mapping, or several for an INSERT of many
        rows); raises SQLAlchemy's ``DBAPIError`` subclasses (``IntegrityError`` ...)."""
        ...

    def defer(self, statement: sa.Executable, parameters: Parameters = None, check: RowCheck | None = None) -> None:
        """Run ``statement`` (a write whose result nothing reads) before the next statement or at
        :meth:`commit`, whichever comes first; PostgreSQL sends it in the same round trip. Its
        errors surface there: translate them as for :meth:`execute`. ``check``: the rows it must
        change (an update guarded by a version), verified there (:class:`RowCheck`)."""
        ...

    async def commit(self, deferred: Deferred = ()) -> None:
        """Insert ``deferred`` rows (append-only tables: audit, outbox) and commit, as cheaply as
        the database allows (PostgreSQL: in the same message as ``COMMIT``)."""
        ...

    async def copy(self, table: sa.Table, columns: Sequence[str], data: bytes) -> None:
        """``COPY table (columns) FROM STDIN`` of ``data`` in the text format (PostgreSQL only)."""
        ...

    async def lock_for_writing(self) -> None:
        """Take the database's write lock now if it has a single one (SQLite: ``BEGIN IMMEDIATE``),
        so that a check and the write after it cannot interleave with another writer's."""
        ...


class SqlDatabase(Protocol):
    """The process's database: a pool of connections (APP scope)."""

    @property
    def dialect(self) -> Dialect: ...

    def connect(self, tenant_id: UUID | None = None) -> AbstractAsyncContextManager[SqlConnection]:
        """A connection for one unit of work, bound to ``tenant_id`` (``None``: no tenant, for
        look-ups across tenants by credential); rolled back if not committed."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[SqlConnection]:
        """A connection without a tenant whose work is committed when the block ends normally."""
        ...

    async def ping(self) -> None:
        """``SELECT 1``; raises when the database does not answer."""
        ...

    async def close(self) -> None: ...
