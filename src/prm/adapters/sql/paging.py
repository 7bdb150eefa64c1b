"""One page of a query and its total, the same way for every list.

Counting every match is what made large lists slow: PostgreSQL visits each matching row (170 ms
for the plain list of a tenant with 1,000,000 patients, 340 ms for a name search). Lists
therefore count at most :data:`COUNT_LIMIT` matches, or as many as it takes to tell whether the
page has a next one (``offset + page_size + 1``) if that is more. Below that the ``total`` is
exact; at it, ``total`` is a lower bound ("10,001 or more") and the page says so
(``total_exact`` false). ``has_next`` is right either way.

``LIMIT`` and ``OFFSET`` are written into the statement (:func:`literal`), not bound: PostgreSQL
plans a prepared statement's generic plan without parameter values and then assumes a ``LIMIT $n``
wants 10% of the rows, which made it choose parallel plans whose workers took longer to start
(8 ms) than the whole page with ``LIMIT 20`` (0.2 ms). Page 1 of a size is one statement.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.application.shared.paging import Page, PageRequest

T = TypeVar("T")

COUNT_LIMIT = 10_000
"""Lists count their matches exactly up to this many."""


def literal(number: int) -> sa.ColumnElement[int]:
    """``number`` written into the statement (for ``LIMIT``/``OFFSET``, see the module)."""
    return sa.literal_column(str(int(number)), sa.Integer)


def count_limit(page: PageRequest) -> int:
    """How many matches to count at most for ``page``: one more than the exact range."""
    return max(COUNT_LIMIT, page.offset + page.page_size) + 1


async def page_total(
    connection: SqlConnection,
    page: PageRequest,
    shown: int,
    counting: Callable[[int], sa.Select[Any]],
    parameters: Mapping[str, Any] | None = None,
) -> tuple[int, bool]:
    """``(total, exact)`` for ``page``, which holds ``shown`` rows: told by the page itself when it
    is not full (or is an empty first page), else ``counting(limit)``, a select of the number of
    matches that stops counting at ``limit`` (:func:`count_limit`), run with ``parameters``."""
    if (shown and shown < page.page_size) or (not shown and page.page == 1):
        return page.offset + shown, True
    limit = count_limit(page)
    counted = int((await connection.execute(counting(limit), parameters)).scalar_one())
    return counted, counted < limit


def count_of(matches: sa.Select[Any], limit: int) -> sa.Select[Any]:
    """The number of rows of ``matches``, counting at most ``limit``."""
    return sa.select(sa.func.count()).select_from(matches.limit(literal(limit)).subquery())


async def fetch_page(
    connection: SqlConnection,
    table: sa.Table,
    where: Sequence[sa.ColumnElement[bool]],
    order_by: Sequence[sa.ColumnElement[Any]],
    page: PageRequest,
    convert: Callable[[sa.Row[Any]], T],
    columns: Sequence[sa.ColumnElement[Any]] = (),
    *,
    count: bool = True,
) -> Page[T]:
    """Rows of ``table`` matching ``where``, ordered, for ``page``, converted with ``convert``;
    ``columns`` selects only those (default: all of the table's). Without ``count`` the total is
    only what the page tells (for a caller that shows no total).

    The page is read first (an index scan that stops at LIMIT); the total is counted only when
    the page does not tell it (a full page, or an empty page past the first), and at most up to
    :func:`count_limit` (see the module's docstring). A window ``count(*) OVER ()`` would save
    that round trip but makes PostgreSQL read and sort every match: far slower on a large tenant
    (measured).
    """
    query = sa.select(*columns).select_from(table) if columns else sa.select(table)
    rows = (
        await connection.execute(
            query.where(*where).order_by(*order_by).limit(literal(page.page_size)).offset(literal(page.offset))
        )
    ).all()
    if not count:
        return Page(
            [convert(r) for r in rows], page.offset + len(rows), page.page, page.page_size, len(rows) < page.page_size
        )
    key = next(iter(table.primary_key.columns))
    total, exact = await page_total(
        connection, page, len(rows), lambda limit: count_of(sa.select(key).where(*where), limit)
    )
    return Page([convert(r) for r in rows], total, page.page, page.page_size, total_exact=exact)


_TENANT: sa.BindParameter[Any] = sa.bindparam("page_tenant_id")
_UNFILTERED: dict[tuple[Any, ...], tuple[sa.Select[Any], sa.Select[Any]]] = {}


def _unfiltered(
    table: sa.Table,
    order_by: Sequence[sa.ColumnElement[Any]],
    columns: Sequence[sa.ColumnElement[Any]],
    page: PageRequest,
    limit: int,
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    # Columns of tables live as long as the process: their ids name them.
    key = (table.name, *(id(c) for c in order_by), None, *(id(c) for c in columns), page.page_size, page.offset, limit)
    found = _UNFILTERED.get(key)
    if found is None:
        scope = table.c.tenant_id == _TENANT
        query = sa.select(*columns).select_from(table) if columns else sa.select(table)
        rows = query.where(scope).order_by(*order_by).limit(literal(page.page_size)).offset(literal(page.offset))
        key_column = next(iter(table.primary_key.columns))
        found = (rows, count_of(sa.select(key_column).where(scope), limit))
        if len(_UNFILTERED) < 10_000:  # page sizes up to 100 and the first pages of each: a bounded set in practice
            _UNFILTERED[key] = found
    return found


async def fetch_tenant_page(
    connection: SqlConnection,
    table: sa.Table,
    tenant_id: Any,
    order_by: Sequence[sa.ColumnElement[Any]],
    page: PageRequest,
    convert: Callable[[sa.Row[Any]], T],
    columns: Sequence[sa.ColumnElement[Any]] = (),
) -> Page[T]:
    """:func:`fetch_page` of every row of the tenant ``tenant_id`` (a list with no filter, the
    commonest page): its two statements are built once per page size and offset, with the tenant
    as a bind parameter, and not again for each request."""
    rows_statement, count_statement = _unfiltered(table, order_by, columns, page, count_limit(page))
    parameters = {"page_tenant_id": tenant_id}
    rows = (await connection.execute(rows_statement, parameters)).all()
    total, exact = await page_total(connection, page, len(rows), lambda _: count_statement, parameters)
    return Page([convert(r) for r in rows], total, page.page, page.page_size, total_exact=exact)
