"""Pre-flight conflict check (reference API ``GET /appointments/conflicts``)."""

from collections.abc import Sequence

from prm.application.appointments.ports import AppointmentRepository
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import Appointment, TimeSlot
from prm.domain.shared.ids import PractitionerId


class CheckConflicts:
    """The practitioner's active appointments overlapping ``slot``, except ``exclude`` (rescheduling)."""

    def __init__(self, appointments: AppointmentRepository) -> None:
        self._appointments = appointments

    async def __call__(
        self, practitioner_id: PractitionerId, slot: TimeSlot, exclude: AppointmentId | None = None
    ) -> Sequence[Appointment]:
        return await self._appointments.overlapping(practitioner_id, slot, exclude=exclude)
