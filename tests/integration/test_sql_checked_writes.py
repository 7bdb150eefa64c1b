"""Deferred writes with a row check (``SqlConnection.defer(..., check=RowCheck(...))``), on SQLite
and PostgreSQL: an update guarded by a version that changes no row raises its error where it is
sent (the next statement, or ``commit``), and the unit then commits nothing at all."""

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa

from prm.adapters.sql.connection import RowCheck, SqlDatabase
from prm.adapters.sql.postgres import PostgresDatabase
from prm.adapters.sql.sqlite import SqliteDatabase
from prm.domain.shared.errors import StaleVersion

metadata = sa.MetaData()
guarded = sa.Table(
    f"checked_probe_{uuid4().hex[:8]}",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("note", sa.Text),
)
SAVE = (
    sa.update(guarded)
    .where(guarded.c.id == sa.bindparam("k_id"), guarded.c.version == sa.bindparam("k_version"))
    .values(version=sa.bindparam("v_version"), note=sa.bindparam("v_note"))
)


def save(row: int, expected: int, note: str) -> dict[str, object]:
    return {"k_id": row, "k_version": expected, "v_version": expected + 1, "v_note": note}


def stale() -> RowCheck:
    return RowCheck(1, StaleVersion("changed meanwhile"))


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlDatabase]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'checked.db'}"
        db: SqlDatabase = SqliteDatabase(url)
    else:
        url = str(request.getfixturevalue("_postgres_url"))
        db = PostgresDatabase(url, pool_size=2)
    engine = sa.create_engine(url.replace("+aiosqlite", ""))  # psycopg serves both
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(sa.insert(guarded), [{"id": i, "version": 1, "note": None} for i in (1, 2, 3)])
    try:
        yield db
    finally:
        await db.close()
        with engine.begin() as connection:
            metadata.drop_all(connection)
        engine.dispose()


async def notes(db: SqlDatabase) -> dict[int, tuple[int, str | None]]:
    async with db.connect() as connection:
        rows = (await connection.execute(sa.select(guarded).order_by(guarded.c.id))).all()
    return {row.id: (row.version, row.note) for row in rows}


async def test_checked_writes_that_hold_are_committed_together(database: SqlDatabase) -> None:
    async with database.connect() as connection:
        connection.defer(SAVE, save(1, 1, "a"), check=stale())
        connection.defer(SAVE, save(2, 1, "b"), check=stale())
        connection.defer(SAVE, save(1, 2, "a again"), check=stale())  # after the first: version 2
        await connection.commit()
    assert await notes(database) == {1: (3, "a again"), 2: (2, "b"), 3: (1, None)}


async def test_a_failed_check_fails_the_commit_and_nothing_is_committed(database: SqlDatabase) -> None:
    async with database.connect() as connection:
        connection.defer(SAVE, save(1, 1, "kept?"), check=stale())
        connection.defer(SAVE, save(2, 7, "stale"), check=stale())  # row 2 is at version 1
        connection.defer(sa.insert(guarded).values(id=4, version=1, note="kept?"))
        with pytest.raises(StaleVersion):
            await connection.commit()
    assert await notes(database) == {1: (1, None), 2: (1, None), 3: (1, None)}


async def test_a_failed_check_raises_at_the_next_statement_and_spoils_the_rest(database: SqlDatabase) -> None:
    async with database.connect() as connection:
        connection.defer(SAVE, save(3, 5, "stale"), check=stale())
        with pytest.raises(StaleVersion):
            await connection.execute(sa.select(guarded.c.id))
        with pytest.raises(StaleVersion):  # every later statement, so that nothing half-done commits
            await connection.execute(sa.select(guarded.c.id))
        with pytest.raises(StaleVersion):
            await connection.commit()
    async with database.connect() as connection:  # the pooled connection carries nothing on
        connection.defer(SAVE, save(3, 1, "fresh"), check=stale())
        await connection.commit()
    assert (await notes(database))[3] == (2, "fresh")
