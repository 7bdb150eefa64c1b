"""Event handlers of the virtual visits part, on the appointments context's events
(``appointment.booked``, ``rescheduled``, ``cancelled``, ``deleted``, ``fulfilled``,
``no_show``, ``status_changed``; version 1, payload ids as strings)."""

from uuid import UUID

import structlog

from prm.application.communications.virtual_visits_ports import (
    AppointmentsForVisits,
    VideoRoomProvider,
    VirtualVisitRepository,
)
from prm.application.communications.virtual_visits_scheduling import EnsureVirtualVisit
from prm.application.shared.events import EventHandler, PublishedEvent
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.communications.virtual_visits import VisitWindow

log = structlog.get_logger(__name__)

CLOSING_STATUSES = {"entered-in-error": "revoke", "cancelled": "revoke", "fulfilled": "end", "noshow": "end"}
"""``appointment.status_changed`` statuses that close the visit, and how."""


def _appointment_id(event: PublishedEvent) -> UUID:
    return UUID(str(event.payload.get("appointment_id", event.aggregate_id)))


class CreateVirtualVisitOnBooking(EventHandler):
    """``appointment.booked``: a visit (room, window) for a virtual appointment; nothing for others.
    Idempotent per appointment."""

    def __init__(self, ensure: EnsureVirtualVisit, uow: UnitOfWork) -> None:
        self._ensure = ensure
        self._uow = uow

    async def __call__(self, event: PublishedEvent) -> None:
        if await self._ensure(_appointment_id(event)) is not None:
            await self._uow.commit()


class MoveVirtualVisitOnReschedule(EventHandler):
    """``appointment.rescheduled``: the visit follows the appointment's new times into a new room
    (a new secret name: tokens issued for the old one are useless); a virtual appointment without
    a visit yet gets one."""

    def __init__(
        self,
        ensure: EnsureVirtualVisit,
        visits: VirtualVisitRepository,
        appointments: AppointmentsForVisits,
        rooms: VideoRoomProvider,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._ensure = ensure
        self._visits = visits
        self._appointments = appointments
        self._rooms = rooms
        self._uow = uow
        self._clock = clock

    async def __call__(self, event: PublishedEvent) -> None:
        appointment_id = _appointment_id(event)
        visit = await self._visits.for_appointment(appointment_id)
        if visit is None:
            if await self._ensure(appointment_id) is not None:
                await self._uow.commit()
            return
        appointment = await self._appointments.get(appointment_id)
        if appointment is None:
            return
        window = VisitWindow(appointment.starts_at, appointment.ends_at)
        if window == visit.window:
            return  # a repeat of an event already applied
        old_room, version = visit.room_name, visit.version
        if not visit.move(window, room_name=self._rooms.new_room_name(), now=self._clock.now()):
            return
        await self._visits.save(visit, expected_version=version)
        await self._uow.commit()
        await self._rooms.revoke(old_room)
        log.info("virtual_visit.moved", visit_id=str(visit.id))


class CloseVirtualVisit(EventHandler):
    """``appointment.cancelled`` / ``deleted`` (and ``status_changed`` to ``entered-in-error``):
    the visit is revoked, its links answer 410; ``appointment.fulfilled`` / ``no_show``: it ended."""

    def __init__(self, visits: VirtualVisitRepository, rooms: VideoRoomProvider, uow: UnitOfWork, clock: Clock) -> None:
        self._visits = visits
        self._rooms = rooms
        self._uow = uow
        self._clock = clock

    async def __call__(self, event: PublishedEvent) -> None:
        how = {
            "appointment.cancelled": "revoke",
            "appointment.deleted": "revoke",
            "appointment.fulfilled": "end",
            "appointment.no_show": "end",
        }.get(event.type)
        if event.type == "appointment.status_changed":
            how = CLOSING_STATUSES.get(str(event.payload.get("status")))
        if how is None:
            return
        visit = await self._visits.for_appointment(_appointment_id(event))
        if visit is None:
            return
        version, now = visit.version, self._clock.now()
        changed = visit.revoke(now) if how == "revoke" else visit.end(now)
        if not changed:
            return
        await self._visits.save(visit, expected_version=version)
        await self._uow.commit()
        await self._rooms.revoke(visit.room_name)
        log.info("virtual_visit.closed", visit_id=str(visit.id), status=visit.status.value)
