"""Free slots of one schedule as FHIR sees them (a ``Slot`` belongs to a ``Schedule``): the search
by schedule and time, and the read of one slot by its id.

A slot is free as the availability endpoint computes it (:class:`SlotSearch`: inside the
schedule's availability, outside its exceptions, clear of active appointments and live holds,
in the future); its id is the availability's ``time_slot_id``. The slots are those of the
schedule's practitioner at the schedule's location.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from prm.application.appointments.ports import ScheduleRepository
from prm.application.appointments.slots import AvailableSlot, SlotSearch
from prm.application.shared.paging import Page, PageRequest
from prm.application.shared.ports import Clock
from prm.domain.appointments.errors import InvalidTimeSlot, ScheduleNotFound, SlotNotFound
from prm.domain.appointments.ids import ScheduleId
from prm.domain.appointments.model import Period
from prm.domain.appointments.schedule import Schedule
from prm.domain.appointments.slot_ids import decode_slot_id
from prm.domain.shared.ids import TenantId

DEFAULT_DAYS = 7
"""Days searched from ``starts_from`` (default: now) when no end is given."""
MAX_DAYS = 90
"""Longest window of starts (days): the slot search's 92 days, less room for a slot's end."""


@dataclass(frozen=True, slots=True)
class ScheduleSlot:
    """A free slot and the schedule it is offered by."""

    schedule_id: ScheduleId
    slot: AvailableSlot


@dataclass(frozen=True, slots=True, kw_only=True)
class FindScheduleSlotsQuery:
    """``starts_from``/``starts_before`` bound the start (UTC; default now to :data:`DEFAULT_DAYS`
    days later; at most :data:`MAX_DAYS` days apart)."""

    schedule_id: ScheduleId
    page: PageRequest
    starts_from: datetime | None = None
    starts_before: datetime | None = None


class FindScheduleSlots:
    """A page of a schedule's free slots by start time; ``ScheduleNotFound`` (404) for an id the
    tenant does not have, ``InvalidTimeSlot`` (422, field ``start``) for a window over :data:`MAX_DAYS` days."""

    def __init__(self, schedules: ScheduleRepository, search: SlotSearch, clock: Clock) -> None:
        self._schedules = schedules
        self._search = search
        self._clock = clock

    async def __call__(self, query: FindScheduleSlotsQuery) -> Page[ScheduleSlot]:
        schedule = await self._schedules.get_schedule(query.schedule_id)
        if schedule is None:
            raise ScheduleNotFound(f"schedule {query.schedule_id} not found")
        now = self._clock.now()
        starts_from = max(query.starts_from or now, now)
        starts_before = query.starts_before or starts_from + timedelta(days=DEFAULT_DAYS)
        if starts_before <= starts_from:
            return Page([], 0, query.page.page, query.page.page_size)
        if starts_before - starts_from > timedelta(days=MAX_DAYS):
            raise InvalidTimeSlot(f"start: ask for at most {MAX_DAYS} days of slots at a time", field="start")
        # the search finds slots wholly inside its window: widen it so that a slot starting before the end is found
        window = Period(starts_from, starts_before + timedelta(days=1))
        found = [
            ScheduleSlot(schedule.id, s)
            for s in await self._slots(schedule, window, now)
            if starts_from <= s.slot.starts_at < starts_before
        ]
        start = query.page.offset
        return Page(found[start : start + query.page.page_size], len(found), query.page.page, query.page.page_size)

    async def _slots(self, schedule: Schedule, window: Period, now: datetime) -> list[AvailableSlot]:
        return await self._search([schedule.practitioner_id], window, now=now, location_id=schedule.location_id)


class GetFreeSlot:
    """The free slot of this id and the (first, by id) schedule offering it; ``SlotNotFound``
    (404) when there is none: not a slot id, another tenant's, or no longer free."""

    def __init__(self, schedules: ScheduleRepository, search: SlotSearch, clock: Clock, tenant_id: TenantId) -> None:
        self._schedules = schedules
        self._search = search
        self._clock = clock
        self._tenant_id = tenant_id

    async def __call__(self, slot_id: UUID) -> ScheduleSlot:
        try:
            decoded = decode_slot_id(slot_id)
        except InvalidTimeSlot:
            raise SlotNotFound(f"slot {slot_id} not found") from None
        now = self._clock.now()
        window = Period(decoded.slot.starts_at, decoded.slot.ends_at)
        for schedule in sorted(await self._schedules.schedules(), key=lambda s: s.id):
            if not decoded.issued_for(self._tenant_id, schedule.practitioner_id, schedule.location_id):
                continue
            found = await self._search(
                [schedule.practitioner_id],
                window,
                now=now,
                location_id=schedule.location_id,
                duration=decoded.slot.duration,
            )
            for available in found:
                if available.slot_id == slot_id:
                    return ScheduleSlot(schedule.id, available)
        raise SlotNotFound(f"slot {slot_id} not found")
