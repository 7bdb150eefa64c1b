"""FHIR Patient search on PostgreSQL through HTTP (issue 14's target: p95 ≤ 25 ms with 100,000 patients).

A fresh database gets the benchmark tenant and its admin (``benchmarks.http_bench.seed``), then
``patients`` patients (100,000; 2,000 with ``quick``) of ``benchmarks/data.py`` (varied names,
birth dates, genders, US phones, MRNs ``BENCH0000001``…) written in batches through the patients'
SQL adapter, then ``VACUUM ANALYZE``. ``prm serve`` runs in production configuration, connected
as a role without ``SUPERUSER``/``BYPASSRLS`` (row-level security applies, as in production).
Each kind of search is sent one request at a time over one keep-alive connection, 20 warm-up
requests (not counted), then ``requests`` timed ones (200; 50 with ``quick``), each for a
different patient's value, ``_count=20``:

| kind | request |
|---|---|
| ``name`` | ``GET /fhir/Patient?name=<given> <family>`` |
| ``family`` | ``GET /fhir/Patient?family=<family name>`` |
| ``identifier`` | ``GET /fhir/Patient?identifier=<MRN>`` |
| ``birthdate`` | ``GET /fhir/Patient?birthdate=<YYYY-MM-DD>`` |
| ``gender`` | ``GET /fhir/Patient?gender=<male or female>`` (half the tenant matches) |
| ``phone`` | ``GET /fhir/Patient?phone=<the phone as typed>`` |

Reported: p50, p95 and max per kind (ms, on the client), the server's and PostgreSQL's CPU per
request (ms), the statuses seen, the seeding time and the load average (wall times on 2 shared
cores move with it; CPU times far less).

    .venv/bin/python -m benchmarks.fhir_search_bench          # quick mode
    .venv/bin/python -m benchmarks.fhir_search_bench --full   # 100,000 patients
"""

import asyncio
import functools
import http.client
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import psycopg

from benchmarks.cpu import CLOCK_TICKS, postgres_ticks, ticks_between
from benchmarks.data import patient_input
from benchmarks.databases import libpq, postgres_database
from benchmarks.http_bench import HOST, log_in, running_server, seed
from benchmarks.search_scale import service_role

FHIR = "/api/v1/prm/fhir/Patient"
TARGET_P95_MS = 25.0
KINDS = ("name", "family", "identifier", "birthdate", "gender", "phone")


@dataclass
class SearchLatency:
    kind: str
    requests: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    mean_matches: float
    """Mean ``total`` of the Bundles that give one (how selective the kind is; a search with very
    many matches leaves ``total`` out and counts 0 here)."""
    server_cpu_ms: float
    """The server's CPU per request (user + system, ms): moves far less than wall time on a busy machine."""
    postgres_cpu_ms: float
    """PostgreSQL's CPU per request (every postgres process, ms; the server may be shared)."""
    statuses: dict[str, int] = field(default_factory=dict)


@dataclass
class FhirSearchResult:
    patients: int
    seed_s: float
    latencies: list[SearchLatency]
    target_p95_ms: float
    worst_p95_ms: float
    meets_target: bool
    load_average: float


def _pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def _load(url: str, patients: int) -> tuple[float, list[dict[str, str]]]:
    """Write ``patients`` patients of the benchmark tenant; returns the seconds it took and, per
    patient, the search values of each kind."""
    from prm.adapters.sql.connection import SqlDatabase
    from prm.adapters.sql.patients import SqlPatientRepository
    from prm.application.patients.inputs import build_details
    from prm.domain.patients.model import Patient
    from prm.domain.shared.ids import PatientId, TenantId
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    tenant = TenantId(settings.default_tenant_id)
    rng = random.Random(14)
    now = datetime.now(UTC)
    values: list[dict[str, str]] = []
    started = time.perf_counter()
    async with Prm.open(settings) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        chunk = 5_000
        for start in range(0, patients, chunk):
            people = []
            for n in range(start + 1, min(patients, start + chunk) + 1):
                mrn = f"BENCH{n:07d}"
                given = patient_input(rng, mrn)
                people.append(
                    Patient.register(
                        tenant_id=tenant,
                        details=build_details(given, mrn=mrn, region="US"),
                        now=now,
                        patient_id=PatientId(uuid4()),
                    )
                )
                phones = [c.value for c in given.telecom if c.system.value == "phone"]
                values.append(
                    {
                        "name": f"{given.name.given[0]} {given.name.family}",
                        "family": given.name.family or "",
                        "identifier": mrn,
                        "birthdate": given.birth_date.isoformat() if given.birth_date else "",
                        "gender": given.gender.value,
                        "phone": phones[0] if phones else "",
                    }
                )
            async with database.connect(tenant) as connection:
                await SqlPatientRepository(connection, tenant).add_many(people)
                await connection.commit()
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started, values


def _timed(connection: http.client.HTTPConnection, token: str, params: dict[str, str]) -> tuple[float, int, int]:
    """One search: (ms, status, Bundle total or 0)."""
    import json

    path = f"{FHIR}?{urlencode({**params, '_count': '20'})}"
    t0 = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - t0) * 1000
    total = int(json.loads(body).get("total", 0)) if response.status == 200 else 0
    return elapsed, response.status, total


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _measure(pid: int, port: int, token: str, values: list[dict[str, str]], requests: int) -> list[SearchLatency]:
    rng = random.Random(25)
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    found: list[SearchLatency] = []
    try:
        for kind in KINDS:
            pool = [v[kind] for v in values if v[kind]]
            choose = functools.partial(rng.choice, pool)
            for _ in range(20):
                _timed(connection, token, {kind: choose()})
            timings: list[float] = []
            totals: list[int] = []
            statuses: dict[str, int] = {}
            server_before, pg_before = _cpu_s(pid), postgres_ticks()
            for _ in range(requests):
                elapsed, status, total = _timed(connection, token, {kind: choose()})
                timings.append(elapsed)
                totals.append(total)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
            server_cpu = (_cpu_s(pid) - server_before) * 1000 / requests
            pg_cpu = ticks_between(pg_before, postgres_ticks()) * 1000 / requests
            found.append(
                SearchLatency(
                    kind=kind,
                    requests=requests,
                    p50_ms=round(statistics.median(timings), 2),
                    p95_ms=_pctl(timings, 0.95),
                    max_ms=round(max(timings), 2),
                    mean_matches=round(statistics.fmean(totals), 1),
                    server_cpu_ms=round(server_cpu, 2),
                    postgres_cpu_ms=round(pg_cpu, 2),
                    statuses=statuses,
                )
            )
    finally:
        connection.close()
    return found


def run_fhir_search_bench(*, quick: bool = False) -> FhirSearchResult:
    """Seed a fresh PostgreSQL database and time the FHIR Patient searches (see the module docstring)."""
    patients, requests = (2_000, 50) if quick else (100_000, 200)
    with postgres_database() as url:
        asyncio.run(seed(url, 0))  # the tenant and the benchmark admin
        seed_s, values = asyncio.run(_load(url, patients))
        with (
            service_role(url) as service_url,
            tempfile.TemporaryDirectory() as folder,
            running_server(service_url, Path(folder) / "serve.log") as (pid, port),
        ):
            latencies = _measure(pid, port, log_in(port), values, requests)
    worst = max(latency.p95_ms for latency in latencies)
    return FhirSearchResult(
        patients=patients,
        seed_s=round(seed_s, 1),
        latencies=latencies,
        target_p95_ms=TARGET_P95_MS,
        worst_p95_ms=worst,
        meets_target=worst <= TARGET_P95_MS and all(set(lat.statuses) == {"200"} for lat in latencies),
        load_average=round(os.getloadavg()[0], 1),
    )


def _report(result: FhirSearchResult) -> str:
    lines = [f"FHIR Patient search, {result.patients:,} patients (seeded in {result.seed_s} s):"]
    for lat in result.latencies:
        lines.append(
            f"  {lat.kind:<10} p50 {lat.p50_ms:7.2f} ms  p95 {lat.p95_ms:7.2f} ms  max {lat.max_ms:7.2f} ms"
            f"  cpu {lat.server_cpu_ms:5.2f} + pg {lat.postgres_cpu_ms:5.2f} ms"
            f"  matches {lat.mean_matches:>9,.1f}  {lat.statuses}"
        )
    verdict = "meets" if result.meets_target else "MISSES"
    lines.append(f"  worst p95 {result.worst_p95_ms} ms: {verdict} the {result.target_p95_ms} ms target")
    lines.append(f"  load average {result.load_average}")
    return "\n".join(lines)


def main(argv: Any = None) -> None:
    import sys

    args = sys.argv[1:] if argv is None else argv
    print(_report(run_fhir_search_bench(quick="--full" not in args)))


if __name__ == "__main__":
    main()
