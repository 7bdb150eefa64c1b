"""Keeping each virtual appointment's visit in step with the appointment (no commit here: the
callers commit)."""

from uuid import UUID

import structlog

from prm.application.communications.virtual_visits_ports import (
    AppointmentsForVisits,
    VideoRoomProvider,
    VirtualVisitRepository,
)
from prm.application.shared.ports import Clock
from prm.domain.communications.virtual_visits import VirtualVisit, VisitWindow, is_virtual
from prm.domain.shared.ids import TenantId

log = structlog.get_logger(__name__)

JOINABLE_APPOINTMENT_STATUSES = frozenset({"booked", "arrived", "checked-in"})
"""FHIR AppointmentStatus values of an appointment whose visit may be created."""


class EnsureVirtualVisit:
    """The visit of an appointment: the stored one, else a new one when the appointment is virtual
    (:func:`~prm.domain.communications.virtual_visits.is_virtual`) and booked (or arrived,
    checked-in); ``None`` otherwise. Idempotent per appointment; does not commit."""

    def __init__(
        self,
        visits: VirtualVisitRepository,
        appointments: AppointmentsForVisits,
        rooms: VideoRoomProvider,
        clock: Clock,
        tenant_id: TenantId,
    ) -> None:
        self._visits = visits
        self._appointments = appointments
        self._rooms = rooms
        self._clock = clock
        self._tenant_id = tenant_id

    async def __call__(self, appointment_id: UUID) -> VirtualVisit | None:
        visit = await self._visits.for_appointment(appointment_id)
        if visit is not None:
            return visit
        appointment = await self._appointments.get(appointment_id)
        if (
            appointment is None
            or not is_virtual(appointment.appointment_type)
            or appointment.status not in JOINABLE_APPOINTMENT_STATUSES
        ):
            return None
        visit = VirtualVisit.schedule(
            tenant_id=self._tenant_id,
            appointment_id=appointment_id,
            patient_id=appointment.patient_id,
            practitioner_id=appointment.practitioner_id,
            provider=self._rooms.name,
            room_name=self._rooms.new_room_name(),
            window=VisitWindow(appointment.starts_at, appointment.ends_at),
            now=self._clock.now(),
        )
        if not await self._visits.add(visit):  # created meanwhile by another unit of work
            return await self._visits.for_appointment(appointment_id)
        log.info("virtual_visit.scheduled", visit_id=str(visit.id), appointment_id=str(appointment_id))
        return visit
