"""The clinic the scheduling and booking benchmarks run on.

51 practitioners with a Mon-Fri 08:00-18:00 Europe/London schedule of 30-minute slots at one
location; the first has a year of bookings (about 70% of the slots, six months back as fulfilled,
six months ahead as booked), the other 50 take the booking load.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from benchmarks.databases import libpq
from prm.application.appointments.create_location import CreateLocation, CreateLocationCommand
from prm.application.appointments.create_schedule import CreateSchedule, CreateScheduleCommand
from prm.application.appointments.ports import AppointmentRepository, PractitionerDirectory
from prm.application.practitioners.import_practitioners import ImportPractitioners, PractitionerRecord
from prm.application.practitioners.inputs import PractitionerInput
from prm.application.shared.imports import SourceRef
from prm.application.shared.ports import UnitOfWork
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.model import Appointment, TimeSlot
from prm.domain.appointments.schedule import Weekday, WeeklyRule
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings

PRACTITIONERS = 50
ZONE = ZoneInfo("Europe/London")
OPENS, CLOSES, SLOT = clock_time(8), clock_time(18), timedelta(minutes=30)
BOOKED_SHARE = 0.7


@dataclass
class Clinic:
    location_id: LocationId
    busy: PractitionerId  # the one with a year of bookings
    free: list[PractitionerId]  # the 50 that take the booking load
    bookings: int


def weekday_slots(day: date) -> list[TimeSlot]:
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


async def make_clinic(settings: Settings, patients: list[PatientId]) -> Clinic:
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
    return Clinic(location.id, ids[0], ids[1:], len(bookings))


def _year_of_bookings(
    tenant_id: TenantId, practitioner_id: PractitionerId, location_id: LocationId, patients: list[PatientId]
) -> list[Appointment]:
    rng = random.Random(4)
    now = datetime.now(UTC)
    found: list[Appointment] = []
    for offset in range(-182, 183):
        for slot in weekday_slots(now.date() + timedelta(days=offset)):
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


def slot_file(path: Path, clinic: Clinic, patients: list[PatientId], days: list[date]) -> int:
    """One booking request per line (``practitioner,patient,location,start,end``), round-robin over
    the free practitioners at each time; returns the lines."""
    rng = random.Random(path.name)
    lines = []
    for day in days:
        for slot in weekday_slots(day):
            start, end = (t.isoformat().replace("+00:00", "Z") for t in (slot.starts_at, slot.ends_at))
            for practitioner_id in clinic.free:
                lines.append(f"{practitioner_id},{rng.choice(patients)},{clinic.location_id},{start},{end}")
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def weekdays(first: date, count: int) -> list[date]:
    found: list[date] = []
    day = first
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def booked(database_url: str, practitioners: list[PractitionerId]) -> int:
    """Booked appointments of ``practitioners`` in the database."""
    with psycopg.connect(libpq(database_url)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM appointments WHERE status = 'booked' AND practitioner_id = ANY(%s)",
            (list(practitioners),),
        ).fetchone()
    return int(row[0]) if row else 0
