"""Search at scale: patient search and lists with many patients on PostgreSQL, as the service runs them.

    .venv/bin/python -m benchmarks.search_scale                          # 1,000,000 patients (seeding takes a while)
    .venv/bin/python -m benchmarks.search_scale --patients 10000,1000000 # one database per size, in turn
    .venv/bin/python -m benchmarks.search_scale --database prm_scale_1m --keep   # seed once, measure again later

For each size: a PostgreSQL database is created, migrated and seeded with N patients through the
library's ``ImportPatients`` in batches of 1,000 (``benchmarks.http_bench.seed``: the data of
``benchmarks/data.py``), then ``VACUUM ANALYZE`` (the test server runs without autovacuum). A
database named with ``--database`` that already holds patients is reused as it is (migrated to
head, then ``VACUUM ANALYZE`` again); ``--keep`` leaves it in place at the end, otherwise it is
dropped.

The service connects as a role of its own without ``SUPERUSER`` or ``BYPASSRLS``, as in
production, so the row-level security policies apply: they change the plans (a policy's
predicate must run before any operator that is not leakproof, such as ``LIKE``, so such an
operator can no longer drive an index scan).

1. **Through the API, one request at a time**: ``prm serve`` (production settings), then for each
   scenario 20 warm-up requests and ``--requests`` timed ones, p50/p95/max in ms on the client:

   | scenario | request |
   |---|---|
   | ``name_search`` | ``GET /patients/search?query=<3-letter family-name prefix>&type=name`` |
   | ``list_search`` | ``GET /patients?search=<3-letter prefix>&page=1&page_size=20`` |
   | ``plain_list`` | ``GET /patients?page=<1..50>&page_size=20`` |
   | ``mrn_search`` | ``GET /patients/search?query=<an MRN>&type=mrn`` |

2. **EXPLAIN (ANALYZE, BUFFERS)** of every statement each use case sends (captured from the SQL
   adapter's connection, so the exact text and parameter types the service sends), run as the
   service's role under RLS, once as a custom plan and once with ``plan_cache_mode =
   force_generic_plan`` (prepared statements reuse generic plans). Prints planning and execution
   times; the full plans go to ``benchmarks/results/search_scale_plans_<N>.txt``. Besides the four
   scenarios (with "smi", page 25 for the plain list), name searches for a prefix no one has
   ("qzx"), two letters ("Li"), two tokens ("María Smi") and four letters rare among the most
   common three ("Marz").

Results are written to ``benchmarks/results/search_scale.json``.
"""

import argparse
import asyncio
import json
import logging
import random
import re
import secrets
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psycopg
import sqlalchemy as sa
import structlog
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from benchmarks.data import search_prefixes
from benchmarks.databases import admin_url, libpq
from benchmarks.http_bench import HOST, running_server, seed
from prm.adapters.sql import migrate
from prm.adapters.sql.patients import SqlPatientFinder
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.patients.search_patients import SearchPatients, SearchPatientsQuery, SearchType
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import SYSTEM, RequestContext
from prm.application.shared.paging import PageRequest
from prm.application.shared.ports import UnitOfWork
from prm.domain.shared.ids import TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings

RESULTS = Path(__file__).with_name("results")
API = "/api/v1/prm"
WARMUP = 20
LIST_PAGES = 50


# --- databases -----------------------------------------------------------------------------------


def _database_url(name: str) -> str:
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def _exists(name: str) -> bool:
    with psycopg.connect(libpq(admin_url()), autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _patients(url: str) -> int:
    with psycopg.connect(libpq(url)) as connection:
        row = connection.execute("SELECT count(*) FROM patients").fetchone()
    return int(row[0]) if row else 0


@contextmanager
def scale_database(patients: int, name: str | None, keep: bool) -> Iterator[tuple[str, float | None]]:
    """A database with ``patients`` patients: ``(url, seconds the seeding took or None if reused)``."""
    name = name or f"prm_bench_scale_{secrets.token_hex(4)}"
    reused = _exists(name)
    if not reused:
        with psycopg.connect(libpq(admin_url()), autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _database_url(name)
    try:
        migrate.upgrade(url)
        seeded: float | None = None
        if not reused or _patients(url) == 0:
            print(f"seeding {patients:,} patients into {name} …", flush=True)
            seeded = asyncio.run(seed(url, patients))
            print(f"  seeded in {seeded:.0f} s ({patients / seeded:,.0f} patients/s)", flush=True)
        with psycopg.connect(libpq(url), autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")  # what autovacuum does soon after a migration or a load
        yield url, seeded
    finally:
        if not keep:
            with psycopg.connect(libpq(admin_url()), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def service_role(url: str) -> Iterator[str]:
    """A login role without SUPERUSER or BYPASSRLS that may read and write every table: the URL
    the service connects with (dropped at the end)."""
    role = f"prm_scale_{secrets.token_hex(4)}"
    with psycopg.connect(libpq(url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
                sql.Identifier(role)
            )
        )
        admin.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(sql.Identifier(role)))
    try:
        yield make_url(url).set(username=role).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq(url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


async def _bench_user(url: str) -> tuple[str, str]:
    """A fresh admin of the seeded tenant (the seed's own password lives only in its process)."""
    email, password = f"scale-{secrets.token_hex(4)}@example.org", secrets.token_urlsafe(18)
    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    async with Prm.open(settings) as prm:
        await prm.run(
            CreateUser, CreateUserCommand(email=email, full_name="Scale Bench", password=password, roles=("admin",))
        )
    return email, password


# --- scenarios -----------------------------------------------------------------------------------


@dataclass
class Latency:
    scenario: str
    requests: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def scenarios(patients: int, seed: int = 7) -> dict[str, Callable[[int], str]]:
    prefixes = search_prefixes()
    rng = random.Random(seed)
    mrns = [f"BENCH{rng.randint(1, patients):07d}" for _ in range(1000)]
    return {
        "name_search": lambda i: f"{API}/patients/search?query={prefixes[i % len(prefixes)]}&type=name",
        "list_search": lambda i: f"{API}/patients?search={prefixes[i % len(prefixes)]}&page=1&page_size=20",
        "plain_list": lambda i: f"{API}/patients?page={1 + i % LIST_PAGES}&page_size=20",
        "mrn_search": lambda i: f"{API}/patients/search?query={mrns[i % len(mrns)]}&type=mrn",
    }


def measure_api(service_url: str, seed_url: str, patients: int, requests: int, log_path: Path) -> list[Latency]:
    email, password = asyncio.run(_bench_user(seed_url))
    results = []
    with (
        running_server(service_url, log_path) as (_pid, port),
        httpx.Client(base_url=f"http://{HOST}:{port}", timeout=300) as client,
    ):
        login = client.post(f"{API}/auth/login", json={"email": email, "password": password})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['access']}"
        for name, path in scenarios(patients).items():
            for i in range(WARMUP):
                client.get(path(i + requests))
            timings: list[float] = []
            statuses: dict[str, int] = {}
            for i in range(requests):
                started = time.perf_counter()
                response = client.get(path(i))
                timings.append((time.perf_counter() - started) * 1000)
                statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
            result = Latency(
                name,
                requests,
                round(statistics.median(timings), 1),
                round(_percentile(timings, 0.95), 1),
                round(max(timings), 1),
                statuses,
            )
            print(
                f"  {name:<12} p50 {result.p50_ms:8.1f} ms   p95 {result.p95_ms:8.1f} ms   max {result.max_ms:8.1f} ms"
                f"   {statuses}",
                flush=True,
            )
            results.append(result)
    return results


# --- EXPLAIN -------------------------------------------------------------------------------------


class _Recording:
    """The SQL adapter's connection, keeping every statement it is asked to run."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self.statements: list[tuple[Any, Any]] = []

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        self.statements.append((statement, parameters))
        return await self._connection.execute(statement, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


class _NoAudit(AuditTrail):
    async def record(
        self, action: AuditAction, entity_type: str, entity_ids: Sequence[UUID] = (), changed_fields: Sequence[str] = ()
    ) -> None:
        return None


class _NoCommit(UnitOfWork):
    async def commit(self) -> None:
        return None


_PARAMETER = re.compile(r"%\((\w+)\)s")


def _prepared(connection: AsyncConnection, statement: Any, parameters: Any) -> tuple[str, list[Any]]:
    """``statement`` as PostgreSQL receives it from a prepared-statement executor: ``$n``
    placeholders with SQLAlchemy's casts (``$1::UUID``), and the values in order."""
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params(parameters or None)
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}"

    return _PARAMETER.sub(number, compiled.string).replace("%%", "%"), [values[n] for n in names]


@dataclass
class Plan:
    use_case: str
    statement: int
    mode: str
    planning_ms: float
    execution_ms: float
    top: str


_TIME = re.compile(r"(Planning|Execution) Time: ([\d.]+) ms")


def _explain(url: str, tenant: UUID, sql_text: str, values: list[Any], mode: str) -> tuple[list[str], float, float]:
    with psycopg.connect(libpq(url)) as connection:
        connection.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant),))
        connection.execute(sql.SQL("SET LOCAL plan_cache_mode = {}").format(sql.Literal(mode)))
        connection.execute(sql.SQL("PREPARE q AS {}").format(sql.SQL(sql_text)))
        literals = sql.SQL(", ").join(sql.Literal(v) for v in values)
        execute = sql.SQL("EXECUTE q({})").format(literals) if values else sql.SQL("EXECUTE q")
        # Twice: the first run reads pages into the cache and primes the catalogue caches.
        connection.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS) {}").format(execute)).fetchall()
        lines = [r[0] for r in connection.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS) {}").format(execute))]
        connection.rollback()
    times = {m.group(1): m.group(2) for line in lines if (m := _TIME.search(line))}
    return lines, float(times.get("Planning", 0)), float(times.get("Execution", 0))


async def _captured(service_url: str, tenant: UUID, patients: int) -> dict[str, list[tuple[str, list[Any]]]]:
    """The statements each use case sends, captured from the finder's connection."""
    engine = create_async_engine(service_url)
    prefix = "smi" if "smi" in search_prefixes() else search_prefixes()[0]
    cases: dict[str, Callable[[SqlPatientFinder, RequestContext], Any]] = {
        "name_search": lambda f, c: SearchPatients(f, c, _NoAudit(), _NoCommit())(
            SearchPatientsQuery(query=prefix, type=SearchType.NAME)
        ),
        # A prefix no name has: the worst case of a scan that looks for matches.
        "name_search_unmatched": lambda f, c: SearchPatients(f, c, _NoAudit(), _NoCommit())(
            SearchPatientsQuery(query="qzx", type=SearchType.NAME)
        ),
        "name_search_2_letters": lambda f, c: SearchPatients(f, c, _NoAudit(), _NoCommit())(
            SearchPatientsQuery(query="Li", type=SearchType.NAME)
        ),
        "name_search_2_tokens": lambda f, c: SearchPatients(f, c, _NoAudit(), _NoCommit())(
            SearchPatientsQuery(query="María Smi", type=SearchType.NAME)
        ),
        # Four letters rare among the most common three ("mar"): the longest walk of an index.
        "name_search_rare_in_mar": lambda f, c: SearchPatients(f, c, _NoAudit(), _NoCommit())(
            SearchPatientsQuery(query="Marz", type=SearchType.NAME)
        ),
        "list_search": lambda f, c: ListPatients(f, c, _NoAudit(), _NoCommit())(
            ListPatientsQuery(page=PageRequest(1, 20), search=prefix)
        ),
        "plain_list": lambda f, c: ListPatients(f, c, _NoAudit(), _NoCommit())(
            ListPatientsQuery(page=PageRequest(25, 20))
        ),
        "mrn_search": lambda f, c: SearchPatients(f, c, _NoAudit(), _NoCommit())(
            SearchPatientsQuery(query=f"BENCH{patients // 2:07d}", type=SearchType.MRN)
        ),
    }
    captured: dict[str, list[tuple[str, list[Any]]]] = {}
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": str(tenant)})
            context = RequestContext(tenant_id=TenantId(tenant), principal=SYSTEM)
            for name, run in cases.items():
                recording = _Recording(connection)
                await run(SqlPatientFinder(recording, TenantId(tenant)), context)
                captured[name] = [_prepared(connection, s, p) for s, p in recording.statements]
            await connection.rollback()
    finally:
        await engine.dispose()
    return captured


def explain_all(service_url: str, tenant: UUID, patients: int, plans_path: Path) -> list[Plan]:
    captured = asyncio.run(_captured(service_url, tenant, patients))
    plans: list[Plan] = []
    with plans_path.open("w", encoding="utf-8") as out:
        for name, statements in captured.items():
            for index, (text, values) in enumerate(statements, 1):
                out.write(f"=== {name} #{index} ({patients:,} patients)\n{text}\n-- {values!r}\n")
                for mode in ("force_custom_plan", "force_generic_plan"):
                    lines, planning, execution = _explain(service_url, tenant, text, values, mode)
                    out.write(f"--- {mode}\n" + "\n".join(lines) + "\n")
                    plan = Plan(name, index, mode.split("_")[1], planning, execution, lines[0].split("  (")[0].strip())
                    plans.append(plan)
                    print(
                        f"  {name:<23} #{index} {plan.mode:<7} planning {planning:7.3f} ms   execution "
                        f"{execution:8.3f} ms   {plan.top}",
                        flush=True,
                    )
                out.write("\n")
    return plans


# --- the run -------------------------------------------------------------------------------------


def run_size(patients: int, args: argparse.Namespace) -> dict[str, Any]:
    name = args.database if args.database else None
    if name and len(args.patients) > 1:
        name = f"{name}_{patients}"
    with scale_database(patients, name, args.keep) as (url, seeded), service_role(url) as service_url:
        count = _patients(url)
        settings = Settings.from_mapping({"database_url": url})
        tenant = UUID(str(settings.default_tenant_id))
        print(f"{count:,} patients in {make_url(url).database}", flush=True)
        explained: list[Plan] = []
        latencies: list[Latency] = []
        if not args.no_explain:
            print("EXPLAIN (ANALYZE, BUFFERS), as the service's role under RLS:", flush=True)
            explained = explain_all(service_url, tenant, count, RESULTS / f"search_scale_plans_{count}.txt")
        if not args.no_api:
            print(f"through the API, one request at a time ({args.requests} per scenario):", flush=True)
            latencies = measure_api(service_url, url, count, args.requests, RESULTS / "search_scale_server.log")
        return {
            "patients": count,
            "seeded_seconds": seeded,
            "api": [asdict(r) for r in latencies],
            "explain": [asdict(p) for p in explained],
        }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.search_scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--patients",
        type=lambda s: [int(n.replace("_", "")) for n in s.split(",")],
        default=[1_000_000],
        help="patients to seed; a comma-separated list runs each size in turn (default 1000000)",
    )
    p.add_argument("--database", help="database name to create, or to reuse when it exists (with --keep)")
    p.add_argument("--keep", action="store_true", help="keep the database at the end")
    p.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default 200)")
    p.add_argument("--no-api", action="store_true", help="skip the API measurement")
    p.add_argument("--no-explain", action="store_true", help="skip EXPLAIN")
    p.add_argument("--output", type=Path, default=RESULTS / "search_scale.json")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = [run_size(n, args) for n in args.patients]
    args.output.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
