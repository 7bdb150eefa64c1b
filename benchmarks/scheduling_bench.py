"""Scheduling benchmark (issue 4): availability computation, booking throughput, encounter imports.

(a) **Availability**: one practitioner with a year of bookings (six months back, fulfilled; six
    months ahead, booked; about 70% of the slots of a Mon-Fri 08:00-18:00 Europe/London schedule
    of 30-minute slots) asks for 30 days of free slots. Timed through ``GetAvailability`` with the
    real SQL adapters on PostgreSQL, one unit of work per call (as a request would), after a
    warm-up: p50/p99 in milliseconds. Target p50 and p99 <= 20 ms.
(b) **Booking**: ``POST /api/v1/prm/appointments`` on ``prm serve`` (production settings, as the
    HTTP benchmark runs it, logged in with the same bearer token) driven by wrk, 16 connections,
    over 50 practitioners. Every request books its own free slot (explicit start and end from a
    slot list written up front, round-robin over the practitioners), so requests never collide:
    the 201s and 409s are counted (any 409 is a fault). Target >= 800 req/s.
(c) **Encounters import**: the sample's ``encounters.csv`` repeated with fresh ``Id``s, imported
    by ``run_synthea_import`` (batches of 1000) into PostgreSQL and SQLite after its patients and
    providers, twice (create, then unchanged). Target >= 10,000 rows/s on PostgreSQL.
"""

import asyncio
import contextlib
import csv
import io
import random
import shutil
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.databases import libpq, postgres_database, sqlite_database
from benchmarks.http_bench import (
    THREADS,
    Scenario,
    WrkResult,
    _measure,
    log_in,
    patient_ids,
    run_wrk,
    running_server,
    seed,
)
from prm.application.appointments.create_location import CreateLocation, CreateLocationCommand
from prm.application.appointments.create_schedule import CreateSchedule, CreateScheduleCommand
from prm.application.appointments.get_availability import AvailabilityQuery, GetAvailability
from prm.application.appointments.ports import AppointmentRepository, PractitionerDirectory
from prm.application.practitioners.import_practitioners import ImportPractitioners, PractitionerRecord
from prm.application.practitioners.inputs import PractitionerInput
from prm.application.shared.imports import SourceRef
from prm.application.shared.ports import UnitOfWork
from prm.domain.appointments.model import Appointment, TimeSlot
from prm.domain.appointments.schedule import Weekday, WeeklyRule
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings

AVAILABILITY_TARGET_MS = 20.0
BOOKING_TARGET_RPS = 800.0
ENCOUNTERS_TARGETS: dict[str, float | None] = {"postgresql": 10_000.0, "sqlite": None}
PRACTITIONERS = 50
ZONE = ZoneInfo("Europe/London")
OPENS, CLOSES, SLOT = clock_time(8), clock_time(18), timedelta(minutes=30)
BOOKED_SHARE = 0.7
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "synthea"
BOOKING = Scenario("book", "POST /appointments (distinct free slots)", "book.lua", BOOKING_TARGET_RPS)


@dataclass
class AvailabilityResult:
    calls: int
    window_days: int
    bookings: int
    slots_returned: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    target_ms: float = AVAILABILITY_TARGET_MS
    met: bool = False


@dataclass
class BookingResult:
    practitioners: int
    slots_prepared: int
    wrk: WrkResult
    created: int = 0
    conflicts: int = 0
    other: int = 0
    booked_in_db: int = 0
    target_rps: float = BOOKING_TARGET_RPS
    met: bool = False


@dataclass
class EncounterImportRun:
    backend: str
    run: str
    rows: int
    seconds: float
    rate: float
    target: float | None
    met: bool | None
    exit_code: int
    rows_in_db: int


@dataclass
class SchedulingReport:
    availability: AvailabilityResult | None = None
    booking: BookingResult | None = None
    encounters: list[EncounterImportRun] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data.get("booking"):
            data["booking"]["wrk"].pop("raw", None)
        return data


# --- setup -----------------------------------------------------------------------------------------


@dataclass
class _Clinic:
    location_id: uuid.UUID
    busy: PractitionerId  # the one with a year of bookings
    free: list[PractitionerId]  # the 50 that take the booking load
    bookings: int


def _weekday_slots(day: date) -> list[TimeSlot]:
    """The schedule's 30-minute slots on local ``day`` (none at weekends), in UTC."""
    if day.weekday() >= 5:
        return []
    start = datetime.combine(day, OPENS, tzinfo=ZONE)
    end = datetime.combine(day, CLOSES, tzinfo=ZONE)
    slots = []
    while start + SLOT <= end:
        slots.append(TimeSlot(start.astimezone(UTC), (start + SLOT).astimezone(UTC)))
        start += SLOT
    return slots


async def _clinic(settings: Settings, patients: list[PatientId]) -> _Clinic:
    """51 practitioners with a weekly schedule at one London location; a year of bookings for the first."""
    records = [
        PractitionerRecord(
            source=SourceRef("bench", i + 2),
            practitioner=PractitionerInput(
                first_name="Bench", last_name=f"Doctor{i:03d}", speciality="General Practice", external_id=f"bench-{i}"
            ),
        )
        for i in range(PRACTITIONERS + 1)
    ]
    today = datetime.now(UTC).date()
    async with Prm.open(settings) as prm:
        outcome = await prm.run(ImportPractitioners, records)
        if outcome.rejected:
            raise RuntimeError(f"practitioners rejected: {[str(r) for r in outcome.rejected[:3]]}")
        async with prm.unit() as unit:
            directory = await unit.get(PractitionerDirectory)
            found = await directory.ids_by_external_id(r.practitioner.external_id or "" for r in records)
        ids = [found[f"bench-{i}"] for i in range(PRACTITIONERS + 1)]
        location = await prm.run(CreateLocation, CreateLocationCommand(name="Bench clinic", time_zone=ZONE.key))
        rule = WeeklyRule(tuple(Weekday)[:5], OPENS, CLOSES)
        for practitioner_id in ids:
            await prm.run(
                CreateSchedule,
                CreateScheduleCommand(
                    practitioner_id=practitioner_id,
                    location_id=location.id,
                    rules=(rule,),
                    valid_from=today - timedelta(days=400),
                ),
            )
        bookings = _year_of_bookings(prm.context.tenant_id, ids[0], location.id, patients)
        async with prm.unit() as unit:
            await (await unit.get(AppointmentRepository)).add_many(bookings)
            await (await unit.get(UnitOfWork)).commit()
    return _Clinic(location.id, ids[0], ids[1:], len(bookings))


def _year_of_bookings(
    tenant_id: TenantId, practitioner_id: PractitionerId, location_id: uuid.UUID, patients: list[PatientId]
) -> list[Appointment]:
    rng = random.Random(4)
    now = datetime.now(UTC)
    found: list[Appointment] = []
    for offset in range(-182, 183):
        for slot in _weekday_slots(now.date() + timedelta(days=offset)):
            if rng.random() >= BOOKED_SHARE or slot.starts_at.date() == now.date():
                continue
            patient = rng.choice(patients)
            if slot.starts_at < now:
                found.append(
                    Appointment.record_past(
                        tenant_id=tenant_id, patient_id=patient, practitioner_id=practitioner_id, slot=slot, now=now
                    )
                )
            else:
                appointment = Appointment.book(
                    tenant_id=tenant_id,
                    patient_id=patient,
                    practitioner_id=practitioner_id,
                    location_id=location_id,
                    slot=slot,
                    now=now,
                )
                found.append(appointment)
    return found


# --- (a) availability ----------------------------------------------------------------------------------


async def _availability(settings: Settings, clinic: _Clinic, calls: int) -> AvailabilityResult:
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), clock_time(), tzinfo=UTC)
    query = AvailabilityQuery(
        start_date=start.date(), end_date=start.date() + timedelta(days=29), practitioner_id=clinic.busy
    )
    timings: list[float] = []
    slots = 0
    async with Prm.open(settings) as prm:
        for i in range(calls + 20):  # 20 warm-up calls, not counted
            began = time.perf_counter()
            found = await prm.run(GetAvailability, query)
            elapsed = (time.perf_counter() - began) * 1000
            if i >= 20:
                timings.append(elapsed)
            slots = len(found.slots)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, round(0.99 * len(timings)) - 1)]
    return AvailabilityResult(
        calls=calls,
        window_days=30,
        bookings=clinic.bookings,
        slots_returned=slots,
        p50_ms=round(p50, 2),
        p99_ms=round(p99, 2),
        mean_ms=round(statistics.fmean(timings), 2),
        met=p99 <= AVAILABILITY_TARGET_MS,
    )


# --- (b) booking over HTTP -----------------------------------------------------------------------------


def _slot_file(path: Path, clinic: _Clinic, patients: list[PatientId], days: list[date]) -> int:
    """One line per request, round-robin over the practitioners at each time; returns the lines."""
    rng = random.Random(path.name)
    lines = []
    for day in days:
        for slot in _weekday_slots(day):
            start, end = (t.isoformat().replace("+00:00", "Z") for t in (slot.starts_at, slot.ends_at))
            for practitioner_id in clinic.free:
                lines.append(f"{practitioner_id},{rng.choice(patients)},{clinic.location_id},{start},{end}")
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def _weekdays(first: date, count: int) -> list[date]:
    found: list[date] = []
    day = first
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def _booked(database_url: str, practitioners: list[PractitionerId]) -> int:
    with psycopg.connect(libpq(database_url)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM appointments WHERE status = 'booked' AND practitioner_id = ANY(%s)",
            (list(practitioners),),
        ).fetchone()
    return int(row[0]) if row else 0


def _booking(
    database_url: str,
    workdir: Path,
    log_path: Path,
    clinic: _Clinic,
    patients: list[PatientId],
    *,
    wrk: str,
    seconds: int,
    warmup: int,
    server_env: dict[str, str],
    token_for: Callable[[int], str] = log_in,
) -> BookingResult:
    """``token_for(port)`` gives the bearer token wrk sends (the HTTP benchmark's admin log-in)."""
    days = _weekdays(datetime.now(UTC).date() + timedelta(days=2), 6 + 40)
    warm_file, measure_file = workdir / "book-warm.txt", workdir / "book-measure.txt"
    _slot_file(warm_file, clinic, patients, days[:6])  # 6,000 slots
    prepared = _slot_file(measure_file, clinic, patients, days[6:])  # 40,000 slots: 50 s at the target
    with running_server(database_url, log_path, extra_env=server_env) as (pid, port):
        token = token_for(port)
        print(f"  {BOOKING.label}: warm-up {warmup}s, measure {seconds}s", flush=True)
        if warmup:
            run_wrk(wrk, port, BOOKING.script, [str(warm_file), str(THREADS)], warmup, token)
        time.sleep(0.5)
        before = _booked(database_url, clinic.free)
        result = _measure(wrk, pid, port, BOOKING, [str(measure_file), str(THREADS)], seconds, database_url, token)
    statuses = {
        int(s): int(n) for s, n in (line.split()[1:3] for line in result.raw.splitlines() if line.startswith("STATUS "))
    }
    booking = BookingResult(
        practitioners=len(clinic.free),
        slots_prepared=prepared,
        wrk=result,
        created=statuses.get(201, 0),
        conflicts=statuses.get(409, 0),
        other=sum(n for s, n in statuses.items() if s not in (201, 409)),
        booked_in_db=_booked(database_url, clinic.free) - before,
    )
    booking.met = (
        result.rps >= BOOKING_TARGET_RPS and booking.conflicts == 0 and booking.other == 0
        and not any(result.socket_errors.values())
    )  # fmt: skip
    print(
        f"    {result.rps:,.0f} req/s, p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, "
        f"201 {booking.created:,}, 409 {booking.conflicts:,}, server CPU {result.server_cpu_pct}%",
        flush=True,
    )
    return booking


# --- (c) encounters import --------------------------------------------------------------------------------


def _encounter_folders(workdir: Path, copies: int) -> tuple[Path, Path, int]:
    """(people folder, encounters-only folder, encounter rows): the sample's encounters repeated
    ``copies`` times, each copy with fresh ``Id``s."""
    people, encounters = workdir / "people", workdir / "encounters"
    people.mkdir(parents=True, exist_ok=True)
    encounters.mkdir(parents=True, exist_ok=True)
    for name in ("patients.csv", "providers.csv", "organizations.csv"):
        shutil.copy(SAMPLE / name, people)
    rng = random.Random(11)
    with (SAMPLE / "encounters.csv").open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    with (encounters / "encounters.csv").open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for _ in range(copies):
            for row in rows:
                writer.writerow({**row, "Id": str(uuid.UUID(int=rng.getrandbits(128), version=4))})
    return people, encounters, len(rows) * copies


def _appointments_in(url: str) -> int:
    if url.startswith("sqlite"):
        with sqlite3.connect(str(make_url(url).database)) as connection:
            return int(connection.execute("SELECT count(*) FROM appointments").fetchone()[0])
    with psycopg.connect(libpq(url)) as connection:
        row = connection.execute("SELECT count(*) FROM appointments").fetchone()
        return int(row[0]) if row else 0


async def _import(settings: Settings, folder: Path) -> tuple[float, int]:
    from prm.entrypoints.synthea_import import run_synthea_import

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = await run_synthea_import(settings, folder, batch_size=1000, progress=False)
    return time.perf_counter() - started, int(code)


def _encounters_on(name: str, url: str, people: Path, encounters: Path, rows: int) -> list[EncounterImportRun]:
    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    asyncio.run(_import(settings, people))  # the patients and providers the encounters refer to: not timed
    runs = []
    target = ENCOUNTERS_TARGETS[name]
    for label in ("first (create)", "second (unchanged)"):
        seconds, code = asyncio.run(_import(settings, encounters))
        rate = rows / seconds
        runs.append(
            EncounterImportRun(
                backend=name,
                run=label,
                rows=rows,
                seconds=round(seconds, 2),
                rate=round(rate),
                target=target,
                met=None if target is None else rate >= target and code == 0,
                exit_code=code,
                rows_in_db=_appointments_in(url),
            )
        )
        print(f"  encounters {name} {label}: {rows:,} in {seconds:.2f}s = {rate:,.0f} rows/s (exit {code})", flush=True)
    return runs


# --- the whole part ------------------------------------------------------------------------------------


def run_scheduling(
    workdir: Path,
    log_path: Path,
    *,
    wrk: str,
    seconds: int,
    warmup: int,
    quick: bool,
    server_env: dict[str, str] | None = None,
) -> SchedulingReport:
    report = SchedulingReport()
    with postgres_database() as url:
        print("seeding 2,000 patients, 51 practitioners and a year of bookings ...", flush=True)
        asyncio.run(seed(url, 2_000))
        patients = [PatientId(uuid.UUID(i)) for i in patient_ids(url)]
        settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
        clinic = asyncio.run(_clinic(settings, patients))
        with psycopg.connect(libpq(url), autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
        report.availability = asyncio.run(_availability(settings, clinic, 50 if quick else 200))
        a = report.availability
        print(f"  availability, 30 days of {a.bookings:,} bookings: p50 {a.p50_ms} ms, p99 {a.p99_ms} ms", flush=True)
        report.booking = _booking(
            url, workdir, log_path, clinic, patients,
            wrk=wrk, seconds=seconds, warmup=warmup, server_env=dict(server_env or {}),
        )  # fmt: skip
    people, encounters, rows = _encounter_folders(workdir / "synthea-encounters", 1 if quick else 4)
    with postgres_database() as url:
        report.encounters += _encounters_on("postgresql", url, people, encounters, rows)
    with sqlite_database(workdir) as url:
        report.encounters += _encounters_on("sqlite", url, people, encounters, rows)
    return report
