"""Hand-written fakes of the ports, for unit tests. They behave like the real adapters (the
contract tests in tests/integration/test_patient_repository_contract.py run against both)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from prm.application.patients.ports import (
    AGE_BANDS,
    Demographics,
    PatientCriteria,
    PatientFinder,
    PatientRepository,
    PatientSummary,
    TextMatch,
)
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.errors import DuplicateMrn
from prm.domain.patients.model import Patient
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId
from prm.domain.shared.text import fold

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


class FixedClock(Clock):
    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


class FakeUnitOfWork(UnitOfWork):
    def __init__(self) -> None:
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1


class InMemoryOutbox(Outbox):
    def __init__(self) -> None:
        self.events: list[object] = []

    async def add(self, events: Sequence[object]) -> None:
        self.events.extend(events)


def _snapshot(patient: Patient) -> Patient:
    return Patient(
        id=patient.id,
        tenant_id=patient.tenant_id,
        details=patient.details,
        status=patient.status,
        version=patient.version,
        created_at=patient.created_at,
        updated_at=patient.updated_at,
    )


class InMemoryPatients(PatientRepository, PatientFinder):
    """One tenant's patients in a dict; stores copies so that callers cannot change them behind its back."""

    def __init__(self) -> None:
        self.rows: dict[PatientId, Patient] = {}

    async def add(self, patient: Patient) -> None:
        if any(p.mrn == patient.mrn for p in self.rows.values()):
            raise DuplicateMrn("a patient with this MRN already exists")
        self.rows[patient.id] = _snapshot(patient)

    async def add_many(self, patients: Sequence[Patient]) -> None:
        for patient in patients:
            await self.add(patient)

    async def get(self, patient_id: PatientId) -> Patient | None:
        found = self.rows.get(patient_id)
        return _snapshot(found) if found else None

    async def exists(self, patient_id: PatientId) -> bool:
        return patient_id in self.rows

    async def get_by_mrn(self, mrn: str) -> Patient | None:
        return next((_snapshot(p) for p in self.rows.values() if p.mrn == mrn), None)

    async def get_many_by_mrn(self, mrns: Iterable[str]) -> dict[str, Patient]:
        wanted = set(mrns)
        return {p.mrn: _snapshot(p) for p in self.rows.values() if p.mrn in wanted}

    async def save(self, patient: Patient, *, expected_version: int) -> None:
        await self.save_many([(patient, expected_version)])

    async def save_many(self, patients: Sequence[tuple[Patient, int]]) -> None:
        for patient, expected in patients:
            current = self.rows.get(patient.id)
            if current is None or current.version != expected:
                raise StaleVersion("the patient was changed by someone else")
            if any(p.mrn == patient.mrn and p.id != patient.id for p in self.rows.values()):
                raise DuplicateMrn("a patient with this MRN already exists")
        for patient, _ in patients:
            self.rows[patient.id] = _snapshot(patient)

    async def find(self, criteria: PatientCriteria, page: PageRequest) -> Page[PatientSummary]:
        matches = sorted(
            (p for p in self.rows.values() if matches_criteria(p, criteria)),
            key=lambda p: (fold(p.details.name.family or ""), fold(" ".join(p.details.name.given)), p.id),
        )
        return Page(
            [PatientSummary.of(p) for p in matches[page.offset : page.offset + page.page_size]],
            len(matches),
            page.page,
            page.page_size,
        )

    async def first(self, criteria: PatientCriteria, limit: int) -> Sequence[PatientSummary]:
        return (await self.find(criteria, PageRequest(1, limit))).items

    async def demographics(self, today: date) -> Demographics:
        def count(key: Any) -> dict[str, int]:
            out: dict[str, int] = {}
            for p in self.rows.values():
                k = key(p)
                out[k] = out.get(k, 0) + 1
            return out

        return Demographics(
            total=len(self.rows),
            by_gender=count(lambda p: p.details.gender.value),
            by_age_band=count(lambda p: age_band(p.details.birth_date, today)),
            by_status=count(lambda p: p.status.value),
            by_city=count(lambda p: next((a.city for a in p.details.addresses if a.city), "unknown")),
        )


def age_band(birth_date: date | None, today: date) -> str:
    if birth_date is None:
        return "unknown"
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    return next(label for label, lo, hi in AGE_BANDS if age >= lo and (hi is None or age <= hi))


def _name_matches(patient: Patient, prefixes: Sequence[str]) -> bool:
    name_tokens = patient.details.name.search_tokens()
    return all(any(t.startswith(p) for t in name_tokens) for p in prefixes)


def _phone_matches(patient: Patient, digits: str) -> bool:
    return any(digits in phone[1:] for phone in patient.details.phones)


def _email_matches(patient: Patient, fragment: str) -> bool:
    return any(fragment in fold(e) for e in patient.details.emails)


def _text_matches(patient: Patient, text: TextMatch) -> bool:
    return bool(
        (text.name_prefixes and _name_matches(patient, text.name_prefixes))
        or (text.phone_digits and _phone_matches(patient, text.phone_digits))
        or (text.email_fragment and _email_matches(patient, text.email_fragment))
        or (text.mrn and patient.mrn == text.mrn)
    )


def matches_criteria(patient: Patient, c: PatientCriteria) -> bool:
    d = patient.details
    city = next((a.city for a in d.addresses if a.city), None)
    checks = [
        c.text is None or _text_matches(patient, c.text),
        not c.name_prefixes or _name_matches(patient, c.name_prefixes),
        not c.family_prefix or fold(d.name.family or "").startswith(c.family_prefix),
        not c.given_prefix or any(fold(g).startswith(c.given_prefix) for g in d.name.given),
        not c.phone_digits or _phone_matches(patient, c.phone_digits),
        not c.email or _email_matches(patient, c.email),
        not c.mrn or patient.mrn == c.mrn,
        not c.identifier_value
        or any(i.value == c.identifier_value and (c.identifier_system in (None, i.system)) for i in d.identifiers),
        c.birth_date is None or d.birth_date == c.birth_date,
        c.gender is None or d.gender is c.gender,
        not c.city or (city is not None and fold(city) == c.city),
        c.status is None or patient.status is c.status,
    ]
    return all(checks)


class InMemoryAuditTrail(AuditTrail):
    """Keeps ``(action, entity_type, entity_id, changed_fields)`` per event, as the SQL trail writes them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, UUID | None, tuple[str, ...]]] = []

    async def record(
        self, action: AuditAction, entity_type: str, entity_ids: Sequence[UUID] = (), changed_fields: Sequence[str] = ()
    ) -> None:
        ids: Sequence[UUID | None] = entity_ids or [None]
        for entity_id in ids:
            self.events.append((action.value, entity_type, entity_id, tuple(changed_fields)))


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    task: str
    args: Mapping[str, Any]
    at: datetime | None
    after: timedelta | None
    key: str | None


class FakeJobScheduler(JobScheduler):
    """Keeps every job scheduled, in order (none runs); ``key`` de-duplicates as the real one does
    while the job waits (here: until ``jobs`` is cleared)."""

    def __init__(self) -> None:
        self.jobs: list[ScheduledJob] = []

    def schedule(
        self,
        task: str,
        args: Mapping[str, Any],
        *,
        at: datetime | None = None,
        after: timedelta | None = None,
        key: str | None = None,
    ) -> None:
        if key is not None and any(job.key == key for job in self.jobs):
            return
        self.jobs.append(ScheduledJob(task, dict(args), at, after, key))
