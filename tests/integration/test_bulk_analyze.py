"""Tables filled in bulk are analyzed as they grow, so that an import never waits for autovacuum."""

import asyncio
from uuid import uuid4

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from prm.adapters.sql import analyze
from prm.adapters.sql.analyze import TableGrowth, analyze_sql
from prm.adapters.sql.engine import make_database
from prm.adapters.sql.patients_tables import patients
from prm.application.patients.import_patients import ImportPatients, PatientRecord
from prm.application.shared.imports import SourceRef
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import create_tenant
from tests.databases import postgres_database
from tests.unit.patients.builders import patient_input


def test_a_table_is_due_at_each_tenfold_of_the_rows_copied() -> None:
    growth = TableGrowth()
    assert [growth.due("patients", 500) for _ in range(5)] == [False, True, False, False, False]  # 1,000
    assert not growth.due("outbox", 999)
    assert growth.due("patients", 7_500)  # 10,000
    assert growth.due("patients", 250_000)  # 260,000: past 100,000, once
    assert not growth.due("patients", 700_000)  # 960,000
    assert growth.due("patients", 40_000)  # 1,000,000


def test_a_single_huge_batch_is_due_once() -> None:
    growth = TableGrowth()
    assert growth.due("patients", 5_000_000)
    assert not growth.due("patients", 4_000_000)
    assert growth.due("patients", 1_000_000)  # 10,000,000


async def test_an_import_analyzes_the_tables_it_fills_as_they_grow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyze, "THIS_PROCESS", TableGrowth())  # this test's count, whatever ran before
    with postgres_database() as url:
        settings = Settings(database_url=url, env="test", log_level="warning", access_log=False)
        tenant_id = await create_tenant(settings, uuid4())
        async with Prm.open(settings, tenant_id=tenant_id) as prm:
            for first in (0, 600):  # 1,200 patients with one identifier (the MRN) each: past 1,000 once
                records = [
                    PatientRecord(source=SourceRef("test", i + 2), patient=patient_input(mrn=f"MRN-{i:05d}"))
                    for i in range(first, first + 600)
                ]
                outcome = await prm.run(ImportPatients, records)
                assert outcome.created == 600
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq) as connection:
            analyzed: dict[str, int] = dict(
                connection.execute(
                    "SELECT relname, analyze_count FROM pg_stat_user_tables "
                    "WHERE relname IN ('patients', 'patient_identifiers', 'audit_events', 'outbox')"
                ).fetchall()
            )
            planned = connection.execute("SELECT reltuples FROM pg_class WHERE relname = 'patients'").fetchone()
    # audit events and outbox rows are copied at commit too: 1,200 of each
    assert analyzed == {"patients": 1, "patient_identifiers": 1, "audit_events": 1, "outbox": 1}
    assert planned is not None
    assert planned[0] >= 1_000  # the planner knows the table is no longer empty


async def test_concurrent_importers_never_wait_for_each_others_analyze(request: pytest.FixtureRequest) -> None:
    database = make_database(str(request.getfixturevalue("_postgres_url")))
    try:
        async with database.connect(uuid4()) as first, database.connect(uuid4()) as second:
            await first.execute(sa.text(analyze_sql(patients.name)))  # holds the table's lock until it ends
            # The second importer's ANALYZE is skipped, not queued behind the first's transaction.
            await asyncio.wait_for(second.execute(sa.text(analyze_sql(patients.name))), timeout=10)
            await second.execute(sa.select(sa.func.count()).select_from(patients))  # its transaction goes on
    finally:
        await database.close()


_grown = sa.Table(f"grown_probe_{uuid4().hex[:8]}", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))


async def test_rows_inserted_one_unit_at_a_time_are_analyzed_after_the_commit_that_passed_1000(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A queue filled by plain INSERTs (messages queued one at a time) gets statistics too."""
    monkeypatch.setattr(analyze, "THIS_PROCESS", TableGrowth())
    url = str(request.getfixturevalue("_postgres_url"))
    database = make_database(url)
    try:
        async with database.transaction() as connection:
            await connection.execute(sa.text(f"CREATE TABLE {_grown.name} (id integer PRIMARY KEY)"))
        for first in range(0, 1_200, 300):  # the 4th unit passes 1,000
            async with database.connect() as connection:
                await connection.execute(sa.insert(_grown), [{"id": i} for i in range(first, first + 300)])
                await connection.commit()
        async with database.connect() as connection:
            row = (
                await connection.execute(
                    sa.text("SELECT analyze_count, n_live_tup FROM pg_stat_user_tables WHERE relname = :name"),
                    {"name": _grown.name},
                )
            ).one()
            planned = (
                await connection.execute(
                    sa.text("SELECT reltuples FROM pg_class WHERE relname = :name"), {"name": _grown.name}
                )
            ).scalar_one()
        assert row.analyze_count == 1
        assert planned == 1_200  # the statistics saw the committed rows
    finally:
        async with database.transaction() as connection:
            await connection.execute(sa.text(f"DROP TABLE IF EXISTS {_grown.name}"))
        await database.close()


async def test_an_analyze_that_fails_never_undoes_the_unit(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analyze, "THIS_PROCESS", TableGrowth(first=10))
    monkeypatch.setattr(analyze, "analyze_sql", lambda table_name: f'ANALYZE "{table_name}_missing"')
    database = make_database(str(request.getfixturevalue("_postgres_url")))
    try:
        async with database.transaction() as connection:
            await connection.execute(sa.text(f"CREATE TABLE {_grown.name} (id integer PRIMARY KEY)"))
        async with database.connect() as connection:
            await connection.execute(sa.insert(_grown), [{"id": i} for i in range(20)])
            await connection.commit()  # the ANALYZE after it fails: logged, not raised
        async with database.connect() as connection:
            count = (await connection.execute(sa.select(sa.func.count()).select_from(_grown))).scalar_one()
        assert count == 20
    finally:
        async with database.transaction() as connection:
            await connection.execute(sa.text(f"DROP TABLE IF EXISTS {_grown.name}"))
        await database.close()
