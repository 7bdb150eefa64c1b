"""The patient 360 view on PostgreSQL (issue 13's target: ``/360`` p95 ≤ 30 ms with 100,000
patients).

A tenant gets ``patients`` patients (100,000; 2,000 with ``--quick``), each with 3 appointments
(2 past visits, 1 upcoming), an SMS thread with 4 messages, a ticket for every fifth and a
journey instance (3 stages) for every tenth; ``busy`` of them (200) have a long history instead:
60 appointments, 200 messages, 6 tickets and 2 journeys. After ``ANALYZE`` and a warm-up (not
counted), the 360 view (``GetPatient360``: the record, about a dozen statements over every
context, the audit event, one commit) is read through the library for ``lookups`` patients, half
of them busy; then the statistics of ``GET /patients/{id}`` and the first page (20) of the
timeline for the same patients. Reported: p50 and p95 of each, in ms, and the busy patients' p95;
and the CPU time one 360 view costs PRM (this process) and PostgreSQL (its backends), which moves
far less than wall time on a shared machine (see the README).
"""

import asyncio
import os
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import sqlalchemy as sa

from benchmarks.cpu import postgres_ticks, ticks_between
from benchmarks.databases import backend_pids, libpq, postgres_database
from benchmarks.rows import filler_row

TENANT = UUID("00000000-0000-0000-0000-00000000036a")
NOW = datetime.now(UTC)


@dataclass
class Patient360Result:
    patients: int
    busy_patients: int
    lookups: int
    load_s: float
    view_p50_ms: float
    view_p95_ms: float
    view_busy_p95_ms: float
    statistics_p50_ms: float
    statistics_p95_ms: float
    timeline_p50_ms: float
    timeline_p95_ms: float
    view_cpu_ms: float
    """PRM's own CPU per 360 view (this process: the use case, SQLAlchemy, psycopg)."""
    view_pg_cpu_ms: float
    """PostgreSQL's CPU per 360 view (the backends of the benchmark's database)."""
    statistics_cpu_ms: float
    """PRM's own CPU for the statistics ``GET /patients/{id}`` adds (four prepared statements)."""
    load_average: float
    """The machine's 1-minute load average at the end: wall times on 2 shared cores move with it."""


def _pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)


def _row(table: sa.Table, n: int, **values: Any) -> dict[str, Any]:
    """:func:`~benchmarks.rows.filler_row` of this benchmark's tenant, the ``n``-th in time."""
    return filler_row(table, TENANT, NOW - timedelta(minutes=n), **values)


def _history(
    tables: dict[str, sa.Table], pid: UUID, n: int, busy: bool, journey: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    from prm.domain.shared.ids import new_id

    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    visits, upcoming = (50, 10) if busy else (2, 1)
    for k in range(visits + upcoming):
        starts = NOW - timedelta(days=k + 1) if k < visits else NOW + timedelta(days=k - visits + 1)
        rows["appointments"].append(
            _row(
                tables["appointments"],
                n,
                patient_id=pid,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=30),
                status="fulfilled" if k < visits else "booked",
                created_at=starts - timedelta(days=7),
            )
        )
    thread = _row(tables["communication_threads"], n, patient_id=pid, channel="sms", status="open", unread_count=1)
    rows["communication_threads"].append(thread)
    for k in range(200 if busy else 4):
        rows["communication_messages"].append(
            _row(
                tables["communication_messages"],
                k,
                id=new_id(),
                patient_id=pid,
                thread_id=thread["id"],
                direction="inbound" if k % 2 else "outbound",
                channel="sms",
                status="delivered",
                category="transactional",
                body="Your appointment is tomorrow at 9:00.",
                created_at=NOW - timedelta(hours=200 - k if busy else 4 - k),
            )
        )
    for _ in range(6 if busy else (1 if n % 5 == 0 else 0)):
        rows["tickets"].append(
            _row(
                tables["tickets"],
                n,
                patient_id=pid,
                status="open",
                priority="medium",
                category="general",
                source="staff",
            )
        )
    for _ in range(2 if busy else (1 if n % 10 == 0 else 0)):
        instance = _row(tables["journey_instances"], n, patient_id=pid, status="active", **journey)
        rows["journey_instances"].append(instance)
        for i, status in enumerate(("completed", "in_progress", "pending")):
            rows["journey_stage_instances"].append(
                _row(
                    tables["journey_stage_instances"],
                    n,
                    instance_id=instance["id"],
                    order_index=i,
                    status=status,
                    name=f"Stage {i}",
                    started_at=NOW - timedelta(days=3 - i) if status != "pending" else None,
                    completed_at=NOW - timedelta(days=2) if status == "completed" else None,
                )
            )
    return rows


async def _run(url: str, patients: int, busy: int, lookups: int) -> Patient360Result:
    from prm.adapters.sql.bulk import insert_rows
    from prm.adapters.sql.connection import SqlDatabase
    from prm.adapters.sql.patients import SqlPatientRepository
    from prm.adapters.sql.schema import metadata
    from prm.application.patients.get_patient_timeline import GetPatientTimeline, PatientTimelineQuery
    from prm.application.patients.inputs import PatientInput, build_details
    from prm.application.patients.patient_360 import GetPatient360
    from prm.application.patients.patient_statistics import GetPatientStatistics
    from prm.domain.patients.model import Patient
    from prm.domain.shared.ids import PatientId, TenantId
    from prm.domain.shared.person import HumanName
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    names = (
        "appointments",
        "communication_threads",
        "communication_messages",
        "tickets",
        "journey_instances",
        "journey_stage_instances",
    )
    tables = {name: metadata.tables[name] for name in names}
    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    ids = [PatientId(uuid4()) for _ in range(patients)]
    busy_ids = set(random.Random(36).sample(ids, busy))
    started = time.perf_counter()
    async with Prm.open(settings, tenant_id=TENANT) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        async with database.connect(TenantId(TENANT)) as connection:
            journey = _row(metadata.tables["journeys"], 0, version=1)
            await connection.execute(sa.insert(metadata.tables["journeys"]), [journey])
            version = _row(metadata.tables["journey_versions"], 0, journey_id=journey["id"], version=1)
            await connection.execute(sa.insert(metadata.tables["journey_versions"]), [version])
            await connection.commit()
        link = {"journey_id": journey["id"], "journey_version": 1}
        chunk = 5_000
        for start in range(0, patients, chunk):
            async with database.connect(TenantId(TENANT)) as connection:
                batch = ids[start : start + chunk]
                people = [
                    Patient.register(
                        tenant_id=TenantId(TENANT),
                        details=build_details(
                            PatientInput(name=HumanName(given=("Ana",), family=f"Whole{n}"), mrn=f"P360-{n:07d}"),
                            mrn=f"P360-{n:07d}",
                            region="US",
                        ),
                        now=NOW,
                        patient_id=pid,
                    )
                    for n, pid in enumerate(batch, start=start)
                ]
                await SqlPatientRepository(connection, TenantId(TENANT)).add_many(people)
                rows: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
                for n, pid in enumerate(batch, start=start):
                    for name, found in _history(tables, pid, n, pid in busy_ids, link).items():
                        rows[name] += found
                for name in names:
                    await insert_rows(connection, tables[name], rows[name])
                await connection.commit()
        async with database.connect(None) as connection:
            await connection.execute(sa.text("ANALYZE"))
            await connection.commit()
        load_s = round(time.perf_counter() - started, 1)

        chooser = random.Random(360)
        others = [pid for pid in chooser.sample(ids, min(len(ids), lookups)) if pid not in busy_ids]
        sample = [*sorted(busy_ids)[: lookups // 2], *others[: lookups - lookups // 2]]
        chooser.shuffle(sample)
        for pid in sample[:20]:  # warm-up: the pool's connections and prepared statements
            await prm.run(GetPatient360, pid)
        timings: dict[str, list[float]] = {"view": [], "busy": [], "statistics": [], "timeline": []}
        with psycopg.connect(libpq(url)) as watcher:
            backends = backend_pids(watcher)
        pg_before, cpu_before = postgres_ticks(), time.process_time()
        for pid in sample:
            t0 = time.perf_counter()
            await prm.run(GetPatient360, pid)
            elapsed = (time.perf_counter() - t0) * 1000
            timings["view"].append(elapsed)
            if pid in busy_ids:
                timings["busy"].append(elapsed)
        view_cpu_ms = (time.process_time() - cpu_before) * 1000 / len(sample)
        view_pg_cpu_ms = ticks_between(pg_before, postgres_ticks(), backends) * 1000 / len(sample)
        cpu_before = time.process_time()
        for pid in sample:
            t0 = time.perf_counter()
            await prm.run(GetPatientStatistics, pid)
            timings["statistics"].append((time.perf_counter() - t0) * 1000)
        statistics_cpu_ms = (time.process_time() - cpu_before) * 1000 / len(sample)
        for pid in sample:
            t0 = time.perf_counter()
            await prm.run(GetPatientTimeline, PatientTimelineQuery(patient_id=pid, limit=20))
            timings["timeline"].append((time.perf_counter() - t0) * 1000)
    return Patient360Result(
        patients=patients,
        busy_patients=busy,
        lookups=len(sample),
        load_s=load_s,
        view_p50_ms=round(statistics.median(timings["view"]), 2),
        view_p95_ms=_pctl(timings["view"], 0.95),
        view_busy_p95_ms=_pctl(timings["busy"], 0.95),
        statistics_p50_ms=round(statistics.median(timings["statistics"]), 2),
        statistics_p95_ms=_pctl(timings["statistics"], 0.95),
        timeline_p50_ms=round(statistics.median(timings["timeline"]), 2),
        timeline_p95_ms=_pctl(timings["timeline"], 0.95),
        view_cpu_ms=round(view_cpu_ms, 2),
        view_pg_cpu_ms=round(view_pg_cpu_ms, 2),
        statistics_cpu_ms=round(statistics_cpu_ms, 2),
        load_average=round(os.getloadavg()[0], 1),
    )


def run_patient360_bench(*, quick: bool = False) -> Patient360Result:
    """Seed a fresh PostgreSQL database and time the 360 view (see the module docstring)."""
    with postgres_database() as url:
        return asyncio.run(
            _run(url, patients=2_000 if quick else 100_000, busy=50 if quick else 200, lookups=100 if quick else 400)
        )


if __name__ == "__main__":
    print(run_patient360_bench(quick=True))
