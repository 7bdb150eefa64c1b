"""Conversational booking, step 1 (reference API ``POST /appointments/find-slots``): a short
numbered list of slots, held for the patient for a few minutes."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import structlog

from prm.application.appointments.policy import SchedulingPolicy
from prm.application.appointments.ports import HoldRepository, PatientDirectory, PractitionerDirectory
from prm.application.appointments.slots import AvailableSlot, SlotSearch
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.appointments.dates import MAX_SEARCH_DAYS, LocalDateRange
from prm.domain.appointments.errors import InvalidSchedule, PatientNotFound, PractitionerNotFound
from prm.domain.appointments.ids import ConversationId, HoldId, LocationId
from prm.domain.appointments.schedule import Weekday
from prm.domain.appointments.waitlist import Hold, HoldKind, HoldStatus, PartOfDay
from prm.domain.shared.ids import PatientId, PractitionerId, new_id

log = structlog.get_logger(__name__)
MAX_CHOICES = 10
_SEARCH_DAYS = 14


@dataclass(frozen=True, slots=True, kw_only=True)
class FindSlotsCommand:
    """Dates are local to each location (years 1900 to 2200, at most 62 days); without them the
    next 14 days. ``part_of_day`` and ``weekdays`` filter on the location's wall-clock time."""

    patient_id: PatientId
    practitioner_id: PractitionerId | None = None
    speciality: str | None = None
    location_id: LocationId | None = None
    start_date: date | None = None
    end_date: date | None = None
    part_of_day: PartOfDay | None = None
    weekdays: tuple[Weekday, ...] = ()
    duration: timedelta | None = None
    count: int = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class SlotChoices:
    """The numbered choices (``number`` 1…n is each hold's ordinal) and when they expire (UTC)."""

    conversation_id: ConversationId
    expires_at: datetime
    choices: list[tuple[Hold, AvailableSlot]]


class FindSlots:
    """Releases the patient's earlier conversational holds, then holds up to ``count`` (1-10) slots.

    Raises ``PatientNotFound`` / ``PractitionerNotFound`` (404), ``InvalidSchedule``,
    ``InvalidDateRange`` and ``DateOutOfRange`` (422).
    """

    def __init__(
        self,
        search: SlotSearch,
        holds: HoldRepository,
        patients: PatientDirectory,
        practitioners: PractitionerDirectory,
        policy: SchedulingPolicy,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._search = search
        self._holds = holds
        self._patients = patients
        self._practitioners = practitioners
        self._policy = policy
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, command: FindSlotsCommand) -> SlotChoices:
        if not 1 <= command.count <= MAX_CHOICES:
            raise InvalidSchedule(f"count must be 1 to {MAX_CHOICES}", field="count")
        now = self._clock.now()
        dates = LocalDateRange.of(
            command.start_date,
            command.end_date,
            default_start=now.date(),
            default_days=_SEARCH_DAYS,
            longest=MAX_SEARCH_DAYS,
        )
        if not await self._patients.exists(command.patient_id):
            raise PatientNotFound(f"patient {command.patient_id} not found")
        if command.practitioner_id is not None:
            if await self._practitioners.get(command.practitioner_id) is None:
                raise PractitionerNotFound(f"practitioner {command.practitioner_id} not found")
            ids = [command.practitioner_id]
        elif command.speciality:
            ids = [p.id for p in await self._practitioners.with_speciality(command.speciality)]
        else:
            raise InvalidSchedule("give a practitioner_id or a speciality", field="practitioner_id")
        window = dates.window()  # the dates are local: wide enough for any location's zone
        for old in await self._holds.live_booking_holds_of(command.patient_id, now):
            old.end(HoldStatus.RELEASED)
            await self._holds.save(old)
        wanted_days = {d.number for d in command.weekdays}
        chosen: list[AvailableSlot] = []
        for candidate in await self._search(
            ids, window, now=now, location_id=command.location_id, duration=command.duration
        ):
            local = candidate.local_start
            if local.date() not in dates:
                continue
            if wanted_days and local.weekday() not in wanted_days:
                continue
            if command.part_of_day and PartOfDay.of(local.time()) is not command.part_of_day:
                continue
            chosen.append(candidate)
            if len(chosen) == command.count:
                break
        conversation_id = ConversationId(new_id())
        expires_at = now + self._policy.hold_for
        holds = [
            Hold(
                id=HoldId(new_id()),
                tenant_id=self._context.tenant_id,
                kind=HoldKind.BOOKING,
                patient_id=command.patient_id,
                practitioner_id=c.practitioner_id,
                location_id=c.location_id,
                slot=c.slot,
                expires_at=expires_at,
                conversation_id=conversation_id,
                ordinal=number,
                created_at=now,
            )
            for number, c in enumerate(chosen, start=1)
        ]
        await self._holds.add_many(holds)
        await self._uow.commit()
        log.info("slots.held", conversation_id=str(conversation_id), count=len(holds))
        return SlotChoices(
            conversation_id=conversation_id, expires_at=expires_at, choices=list(zip(holds, chosen, strict=True))
        )
