"""Duplicate detection on PostgreSQL (issue 13's targets: duplicates of one patient p95 ≤ 50 ms,
the tenant-wide scan ≥ 5,000 patients a second, with 100,000 patients).

A tenant gets ``patients`` generated people (given names from 120, family names from about 6,000,
birth dates over 90 years, a phone and an email each, an address in one of 500 postal codes), 2 %
of them registered a second time with a typo in the family name and another phone. They are
written through the patients repository in batches (``COPY``, with their blocking keys), then
``ANALYZE``. Timed through the library (one unit of work each, as the HTTP route runs it, audit
and commit included): ``FindPatientDuplicates`` for ``lookups`` random patients after a warm-up
(p50, p95 in ms), then one ``ScanDuplicates`` over the tenant (patients a second).
"""

import asyncio
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import sqlalchemy as sa

from benchmarks.databases import postgres_database

TENANT = UUID("00000000-0000-0000-0000-00000000000e")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
GIVEN = [
    f"{a}{b}"
    for a in ("Ma", "Jo", "An", "El", "Sa", "Li", "Ro", "Da", "Ka", "Mi", "Be", "Ca")
    for b in ("ria", "nah", "dre", "lia", "mon", "vin", "ren", "tia", "sha", "bel")
]
SYLLABLES = ("ok", "an", "ber", "son", "li", "mar", "tin", "gar", "ri", "wel", "dov", "ski", "ha", "no", "vel", "ter")


@dataclass
class DuplicatesResult:
    patients: int
    duplicates_planted: int
    match_keys: int
    lookups: int
    lookup_p50_ms: float
    lookup_p95_ms: float
    mean_candidates: float
    scan_seconds: float
    scan_patients_per_s: float
    scan_pairs_compared: int
    scan_pairs_found: int
    load_patients_per_s: float


def _pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def _family(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(text))
    return text[:i] + rng.choice("aeiou") + text[i + 1 :]


async def _run(url: str, count: int, lookups: int) -> DuplicatesResult:
    from prm.adapters.sql.connection import SqlDatabase
    from prm.adapters.sql.patients import SqlPatientRepository
    from prm.adapters.sql.patients_duplicates_tables import patient_match_keys
    from prm.application.patients.find_patient_duplicates import FindPatientDuplicates
    from prm.application.patients.inputs import mrn_identifier
    from prm.application.patients.scan_duplicates import ScanDuplicates
    from prm.domain.patients.model import DEFAULT_MRN_SYSTEM, Patient, PatientDetails
    from prm.domain.shared.contact import Address, ContactPoint, ContactPointSystem
    from prm.domain.shared.ids import PatientId, TenantId
    from prm.domain.shared.person import AdministrativeGender, HumanName
    from prm.entrypoints.library import Prm
    from prm.settings import Settings

    rng = random.Random(13)
    settings = Settings.from_mapping({"database_url": url, "log_level": "warning"})
    families = sorted({_family(rng) for _ in range(8_000)})
    planted = count // 50

    def person(i: int, given: str, family: str, born: date, phone: str, postal: str) -> Patient:
        details = PatientDetails(  # values already normal (E.164), as an import's are once parsed
            identifiers=(mrn_identifier(f"DB-{i:07d}", DEFAULT_MRN_SYSTEM),),
            name=HumanName(given=(given,), family=family),
            gender=AdministrativeGender.FEMALE if i % 2 else AdministrativeGender.MALE,
            birth_date=born,
            telecom=(
                ContactPoint(ContactPointSystem.PHONE, phone),
                ContactPoint(ContactPointSystem.EMAIL, f"p{i}@example.org"),
            ),
            addresses=(Address(line=(f"{i % 997} Main Street",), city="Springfield", postal_code=postal),),
        )
        return Patient.register(tenant_id=TenantId(TENANT), details=details, now=T0, patient_id=PatientId(uuid4()))

    people: list[Patient] = []
    seeds = []
    for i in range(count - planted):
        seed = (
            rng.choice(GIVEN),
            rng.choice(families),
            date(1930, 1, 1) + timedelta(days=rng.randrange(90 * 365)),
            f"+1617{2000000 + i:07d}",
            f"{2000 + rng.randrange(500):05d}",
        )
        seeds.append(seed)
        people.append(person(i, *seed))
    for j in range(planted):
        given, family, born, _, postal = seeds[rng.randrange(len(seeds))]
        people.append(person(count - planted + j, given, _typo(family, rng), born, f"+1312{5000000 + j:07d}", postal))
    rng.shuffle(people)

    async with Prm.open(settings, tenant_id=TENANT) as prm:
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        started = time.perf_counter()
        for start in range(0, len(people), 5_000):
            async with database.connect(TenantId(TENANT)) as connection:
                await SqlPatientRepository(connection, TenantId(TENANT)).add_many(people[start : start + 5_000])
                await connection.commit()
        load_seconds = time.perf_counter() - started
        async with database.connect(None) as connection:
            await connection.execute(sa.text("ANALYZE"))
            await connection.commit()
        async with database.connect(TenantId(TENANT)) as connection:
            keys = (
                await connection.execute(
                    sa.select(sa.func.count())
                    .select_from(patient_match_keys)
                    .where(patient_match_keys.c.tenant_id == TENANT)
                )
            ).scalar_one()

        chosen = rng.sample(people, lookups + 10)
        lookup_ms: list[float] = []
        candidates = 0
        for n, patient in enumerate(chosen):
            started = time.perf_counter()
            found = await prm.run(FindPatientDuplicates, patient.id, 0.0)
            elapsed = (time.perf_counter() - started) * 1000
            if n >= 10:  # the first ones warm the pool's connections and prepared statements
                lookup_ms.append(elapsed)
                candidates += len(found)

        started = time.perf_counter()
        outcome = await prm.run(ScanDuplicates)
        scan_seconds = time.perf_counter() - started
    return DuplicatesResult(
        patients=len(people),
        duplicates_planted=planted,
        match_keys=int(keys),
        lookups=lookups,
        lookup_p50_ms=round(statistics.median(lookup_ms), 1),
        lookup_p95_ms=_pctl(lookup_ms, 0.95),
        mean_candidates=round(candidates / lookups, 1),
        scan_seconds=round(scan_seconds, 2),
        scan_patients_per_s=round(outcome.scanned / scan_seconds),
        scan_pairs_compared=outcome.compared,
        scan_pairs_found=outcome.found,
        load_patients_per_s=round(len(people) / load_seconds),
    )


def run_duplicates_bench(*, quick: bool = False) -> DuplicatesResult:
    """Seed a fresh PostgreSQL database and time look-ups and the scan (see the module docstring)."""
    with postgres_database() as url:
        return asyncio.run(_run(url, count=10_000 if quick else 100_000, lookups=100 if quick else 300))


if __name__ == "__main__":
    print(run_duplicates_bench(quick=True))
