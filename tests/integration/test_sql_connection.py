"""The psycopg executor answers exactly what SQLAlchemy's own execution path answers.

``adapters/sql/postgres.py`` compiles statements with SQLAlchemy and runs them on psycopg itself;
this suite runs the same statements (constant and built per call, ``IN`` lists, JSON, times, an
``INSERT`` of many rows, ``RETURNING``, a textual query) through both and compares the rows, and
checks the executor's own guarantees: one transaction per unit of work, the tenant bound in it
and gone from the pooled connection afterwards, deferred rows committed with it or not at all,
errors translated to SQLAlchemy's.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from prm.adapters.sql.postgres import PostgresDatabase
from prm.adapters.sql.types import JsonDocument, UtcDateTime

pytestmark = pytest.mark.postgresql_only

metadata = sa.MetaData()
probe = sa.Table(
    f"executor_probe_{uuid4().hex[:8]}",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("seen_at", UtcDateTime, nullable=False),
    sa.Column("doc", JsonDocument, nullable=True),
    sa.Column("rank", sa.Integer, nullable=True),
)
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ROWS = [
    {"id": uuid4(), "name": f"n{i}", "seen_at": T0 + timedelta(hours=i), "doc": {"i": i, "tags": ["a", "é"]}, "rank": i}
    for i in range(5)
]


@pytest.fixture
async def database(_postgres_url: str) -> AsyncIterator[PostgresDatabase]:
    engine = create_async_engine(_postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(sa.insert(probe), ROWS)
    db = PostgresDatabase(_postgres_url, pool_size=2)
    try:
        yield db
    finally:
        await db.close()
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
        await engine.dispose()


CONSTANT = sa.select(probe).where(probe.c.name == sa.bindparam("name"))


def statements() -> list[tuple[str, sa.Executable, dict[str, Any] | None]]:
    return [
        ("constant with a bind parameter", CONSTANT, {"name": "n2"}),
        (
            "built per call with literals",
            sa.select(probe.c.id, probe.c.rank).where(probe.c.rank > 1).order_by(probe.c.rank),
            None,
        ),
        (
            "an IN list",
            sa.select(probe.c.name).where(probe.c.name.in_(["n1", "n3", "zz"])).order_by(probe.c.name),
            None,
        ),
        ("times compared", sa.select(probe.c.name).where(probe.c.seen_at >= T0 + timedelta(hours=3)), None),
        ("JSON path", sa.select(probe.c.doc["i"].as_integer()).where(probe.c.name == "n4"), None),
        ("an aggregate", sa.select(sa.func.count(), sa.func.max(probe.c.seen_at)), None),
        ("textual", sa.text(f"SELECT name, rank FROM {probe.name} WHERE rank = :r"), {"r": 3}),
    ]


@pytest.mark.parametrize(("label", "statement", "parameters"), statements(), ids=[s[0] for s in statements()])
async def test_rows_are_the_ones_sqlalchemy_gives(
    database: PostgresDatabase, request: pytest.FixtureRequest, label: str, statement: sa.Executable, parameters: Any
) -> None:
    engine = create_async_engine(str(request.getfixturevalue("_postgres_url")))
    async with engine.connect() as connection:
        expected = [tuple(row) for row in (await connection.execute(statement, parameters)).all()]
    await engine.dispose()
    async with database.connect() as connection:
        result = await connection.execute(statement, parameters)
        got = result.all()
    assert [tuple(row) for row in got] == expected
    for row in got:
        assert dict(row._mapping) == dict(zip(row._mapping.keys(), row, strict=True))


async def test_rows_answer_by_name_and_times_are_aware_utc(database: PostgresDatabase) -> None:
    async with database.connect() as connection:
        row = (await connection.execute(CONSTANT, {"name": "n1"})).one()
    assert row.name == "n1"
    assert row._mapping["rank"] == 1
    assert row.doc == {"i": 1, "tags": ["a", "é"]}
    assert row.seen_at == T0 + timedelta(hours=1)
    assert row.seen_at.utcoffset() == timedelta(0)


async def test_many_rows_returning_and_rowcount(database: PostgresDatabase) -> None:
    fresh = [{"id": uuid4(), "name": f"m{i}", "seen_at": T0, "doc": None, "rank": None} for i in range(3)]
    async with database.connect() as connection:
        inserted = await connection.execute(sa.insert(probe), fresh)
        assert inserted.rowcount == 3
        returned = await connection.execute(
            sa.update(probe).where(probe.c.name.like("m%")).values(rank=7).returning(probe.c.name)
        )
        assert sorted(returned.scalars().all()) == ["m0", "m1", "m2"]
        await connection.commit()
    async with database.connect() as connection:
        assert (await connection.execute(sa.select(sa.func.count()).where(probe.c.rank == 7))).scalar_one() == 3


async def test_without_a_commit_nothing_stays(database: PostgresDatabase) -> None:
    async with database.connect() as connection:
        await connection.execute(sa.insert(probe).values(id=uuid4(), name="gone", seen_at=T0))
    async with database.connect() as connection:
        assert (await connection.execute(CONSTANT, {"name": "gone"})).first() is None


async def test_deferred_rows_ride_with_commit_and_a_failure_leaves_nothing(database: PostgresDatabase) -> None:
    async with database.connect() as connection:
        await connection.execute(CONSTANT, {"name": "n1"})
        await connection.commit([(probe, [{"id": uuid4(), "name": "deferred", "seen_at": T0, "doc": {"x": "é'"}}])])
    async with database.connect() as connection:
        assert (await connection.execute(CONSTANT, {"name": "deferred"})).one().doc == {"x": "é'"}
        with pytest.raises(IntegrityError):  # the same name twice: the unique constraint
            await connection.commit([(probe, [{"id": uuid4(), "name": "n1", "seen_at": T0}])])
    async with database.connect() as connection:
        assert (await connection.execute(sa.select(sa.func.count()).where(probe.c.name == "n1"))).scalar_one() == 1


async def test_a_constraint_violation_is_sqlalchemys_integrity_error_naming_it(database: PostgresDatabase) -> None:
    async with database.connect() as connection:
        with pytest.raises(IntegrityError) as raised:
            await connection.execute(sa.insert(probe).values(id=uuid4(), name="n0", seen_at=T0))
    assert raised.value.orig is not None
    assert getattr(getattr(raised.value.orig, "diag", None), "constraint_name", None) == f"{probe.name}_name_key"


async def test_the_tenant_is_bound_in_the_transaction_and_never_carried_on(database: PostgresDatabase) -> None:
    tenant = uuid4()
    setting = sa.select(sa.func.current_setting("app.tenant_id", True))
    async with database.connect(tenant) as connection:
        assert UUID((await connection.execute(setting)).scalar_one()) == tenant
    for _ in range(3):  # the pool has two connections: each has been used by now
        async with database.connect() as connection:
            assert (await connection.execute(setting)).scalar_one() in (None, "")


async def test_deferred_writes_run_before_the_next_statement_and_with_commit(database: PostgresDatabase) -> None:
    async with database.connect() as connection:
        connection.defer(sa.insert(probe).values(id=uuid4(), name="first", seen_at=T0))
        assert (await connection.execute(CONSTANT, {"name": "first"})).one().name == "first"  # sent before it
        connection.defer(sa.insert(probe).values(id=uuid4(), name="second", seen_at=T0))
        await connection.commit()
    async with database.connect() as connection:
        names = (await connection.execute(sa.select(probe.c.name).where(probe.c.name.in_(["first", "second"])))).all()
    assert sorted(row.name for row in names) == ["first", "second"]


async def test_a_deferred_write_that_fails_fails_the_commit_and_leaves_nothing(database: PostgresDatabase) -> None:
    async with database.connect() as connection:
        connection.defer(sa.insert(probe).values(id=uuid4(), name="kept?", seen_at=T0))
        connection.defer(sa.insert(probe).values(id=uuid4(), name="n2", seen_at=T0))  # a duplicate name
        with pytest.raises(IntegrityError):
            await connection.commit()
    async with database.connect() as connection:
        assert (await connection.execute(CONSTANT, {"name": "kept?"})).first() is None


async def test_deferred_rows_of_one_table_are_one_statement_with_every_value_kept(database: PostgresDatabase) -> None:
    rows = [
        {"id": uuid4(), "name": f"many{i}", "seen_at": T0 + timedelta(minutes=i), "doc": doc, "rank": rank}
        for i, (doc, rank) in enumerate([({"a": ["é", 1]}, 1), (None, None), ({"b": "it's"}, -7)])
    ]
    async with database.connect() as connection:
        await connection.commit([(probe, rows)])  # one INSERT … SELECT FROM unnest(…) of three rows
    async with database.connect() as connection:
        found = (
            await connection.execute(
                sa.select(probe).where(probe.c.name.in_([r["name"] for r in rows])).order_by(probe.c.name)
            )
        ).all()
    assert [(r.id, r.name, r.seen_at, r.doc, r.rank) for r in found] == [
        (r["id"], r["name"], r["seen_at"], r["doc"], r["rank"]) for r in rows
    ]


async def test_a_duplicate_among_many_deferred_rows_leaves_none_of_them(database: PostgresDatabase) -> None:
    rows = [{"id": uuid4(), "name": name, "seen_at": T0} for name in ("fresh1", "n3", "fresh2")]
    async with database.connect() as connection:
        with pytest.raises(IntegrityError) as raised:
            await connection.commit([(probe, rows)])
    assert getattr(getattr(raised.value.orig, "diag", None), "constraint_name", None) == f"{probe.name}_name_key"
    async with database.connect() as connection:
        left = (await connection.execute(sa.select(probe.c.name).where(probe.c.name.like("fresh%")))).all()
    assert left == []
