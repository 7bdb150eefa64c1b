"""Database failures that are no domain rule, translated for entrypoints that report them.

A unique key that means a domain fact is translated where it surfaces, through
:mod:`prm.adapters.sql.constraints` (``DuplicateMrn`` ...). What is left (a foreign key, a value the
column type refuses, a missing table, a database that does not answer) reaches an entrypoint as
one of these, so that no entrypoint needs to know SQLAlchemy's or the driver's exceptions:

- :class:`RowRefused`: an integrity or data error (SQLAlchemy's ``IntegrityError`` or ``DataError``);
- :class:`SchemaMissing`: a table is missing (PostgreSQL SQLSTATE ``42P01``, SQLite's "no such
  table"): the database is not migrated;
- :class:`DatabaseFailure`: any other SQLAlchemy error (their base class).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

_UNDEFINED_TABLE = "42P01"  # PostgreSQL SQLSTATE undefined_table


class DatabaseFailure(Exception):
    """The database failed. ``kind``: the original exception's class name (``"OperationalError"``);
    ``reason``: the driver's first line, which names a constraint, a type or a table, never a row's
    values."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class RowRefused(DatabaseFailure):
    """The database refused a row: a constraint or a column type that no domain error names."""


class SchemaMissing(DatabaseFailure):
    """A table is missing: the database has not been migrated (``prm db upgrade``)."""


def first_line(error: BaseException | None) -> str:
    """The first line of ``error``'s text, or its class name when it has none."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _is_missing_table(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == _UNDEFINED_TABLE or "no such table" in str(exc.orig)


def translate(exc: SQLAlchemyError) -> DatabaseFailure:
    """The failure ``exc`` means (see the module docstring)."""
    kind = type(exc).__name__
    if isinstance(exc, IntegrityError | DataError):
        return RowRefused(kind, first_line(exc.orig))
    if isinstance(exc, OperationalError | ProgrammingError) and _is_missing_table(exc):
        return SchemaMissing(kind, first_line(exc.orig))
    return DatabaseFailure(kind, first_line(exc.orig) if isinstance(exc, DBAPIError) else first_line(exc))


@asynccontextmanager
async def database_failures_translated() -> AsyncIterator[None]:
    """Raise SQLAlchemy's errors of the block as :class:`DatabaseFailure` (chained to the original)."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise translate(exc) from exc
