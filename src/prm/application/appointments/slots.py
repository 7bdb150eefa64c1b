"""Free slots across practitioners and schedules: the availability engine fed from the ports.

Not a use case: availability, find-slots, booking by ``time_slot_id`` and waitlist offers share it.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from prm.application.appointments.ports import AppointmentFinder, HoldRepository, ScheduleRepository
from prm.domain.appointments.availability import free_slots
from prm.domain.appointments.errors import InvalidTimeSlot
from prm.domain.appointments.ids import LocationId
from prm.domain.appointments.model import TimeSlot
from prm.domain.appointments.schedule import Location, zone
from prm.domain.appointments.slot_ids import encode_slot_id
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId

MAX_WINDOW = timedelta(days=92)


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailableSlot:
    """A free slot: ``slot_id`` books it (``time_slot_id``); ``time_zone`` is the location's."""

    slot_id: UUID
    practitioner_id: PractitionerId
    location_id: LocationId
    time_zone: str
    slot: TimeSlot

    @property
    def local_start(self) -> datetime:
        return self.slot.starts_at.astimezone(zone(self.time_zone))


class SlotSearch:
    """Free slots of practitioners' schedules in a window, minus active appointments and live holds."""

    def __init__(
        self,
        schedules: ScheduleRepository,
        appointments: AppointmentFinder,
        holds: HoldRepository,
        tenant_id: TenantId,
    ) -> None:
        self._schedules = schedules
        self._appointments = appointments
        self._holds = holds
        self._tenant_id = tenant_id

    async def __call__(
        self,
        practitioner_ids: Sequence[PractitionerId],
        window: TimeSlot,
        *,
        now: datetime,
        location_id: LocationId | None = None,
        duration: timedelta | None = None,
        holder: PatientId | None = None,
        limit: int | None = None,
    ) -> list[AvailableSlot]:
        """Slots by start time, then practitioner. Holds of ``holder`` do not block (their own).

        Raises :class:`InvalidTimeSlot` for a window over :data:`MAX_WINDOW`.
        """
        if window.ends_at - window.starts_at > MAX_WINDOW:
            raise InvalidTimeSlot("ask for at most 92 days of availability at a time")
        if not practitioner_ids:
            return []
        schedules = await self._schedules.schedules(practitioner_ids, location_id)
        if not schedules:
            return []
        with_schedule = sorted({s.practitioner_id for s in schedules})
        busy = await self._appointments.busy(with_schedule, window)
        for hold in await self._holds.live(with_schedule, window, now):
            if holder is None or hold.patient_id != holder:
                busy.setdefault(hold.practitioner_id, []).append(hold.slot)
        exceptions = defaultdict(list)
        for exception in await self._schedules.exceptions([s.id for s in schedules], window):
            exceptions[exception.schedule_id].append(exception)
        locations: dict[LocationId, Location | None] = {}
        found: list[AvailableSlot] = []
        for schedule in schedules:
            if schedule.location_id not in locations:
                locations[schedule.location_id] = await self._schedules.get_location(schedule.location_id)
            location = locations[schedule.location_id]
            if location is None:
                continue
            for slot in free_slots(
                schedule,
                location.zone,
                window,
                now=now,
                duration=duration,
                busy=busy.get(schedule.practitioner_id, []),
                exceptions=exceptions[schedule.id],
                limit=limit,
            ):
                found.append(
                    AvailableSlot(
                        slot_id=encode_slot_id(self._tenant_id, schedule.practitioner_id, location.id, slot),
                        practitioner_id=schedule.practitioner_id,
                        location_id=location.id,
                        time_zone=location.time_zone,
                        slot=slot,
                    )
                )
        found.sort(key=lambda s: (s.slot.starts_at, s.practitioner_id))
        # Two schedules of one practitioner (two locations) may offer the same time: keep the first.
        unique: list[AvailableSlot] = []
        taken: dict[UUID, list[TimeSlot]] = defaultdict(list)
        for candidate in found:
            if any(candidate.slot.overlaps(t) for t in taken[candidate.practitioner_id][-4:]):
                continue
            taken[candidate.practitioner_id].append(candidate.slot)
            unique.append(candidate)
        return unique[:limit] if limit is not None else unique
