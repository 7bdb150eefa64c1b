"""The tags context's view of the taggable contexts, through their public application ports
(never their tables): whether the tenant has a patient, appointment, ticket or journey instance."""

from uuid import UUID

from prm.application.appointments.ports import AppointmentRepository
from prm.application.journeys.ports import JourneyInstanceRepository
from prm.application.patients.ports import PatientRepository
from prm.application.tags.ports import TaggableEntities
from prm.application.tickets.ports import TicketRepository
from prm.domain.appointments.ids import AppointmentId
from prm.domain.journeys.ids import JourneyInstanceId
from prm.domain.shared.ids import PatientId
from prm.domain.tags.model import TaggedKind
from prm.domain.tickets.ids import TicketId


class TaggableEntitiesFromContexts(TaggableEntities):
    """Same unit of work as the caller; no audit event (an existence check). Each repository is
    tenant-scoped, so another tenant's id does not exist."""

    def __init__(
        self,
        patients: PatientRepository,
        appointments: AppointmentRepository,
        tickets: TicketRepository,
        journeys: JourneyInstanceRepository,
    ) -> None:
        self._patients = patients
        self._appointments = appointments
        self._tickets = tickets
        self._journeys = journeys

    async def exists(self, kind: TaggedKind, entity_id: UUID) -> bool:
        match kind:
            case TaggedKind.PATIENTS:
                return await self._patients.exists(PatientId(entity_id))
            case TaggedKind.APPOINTMENTS:
                return await self._appointments.get(AppointmentId(entity_id)) is not None
            case TaggedKind.TICKETS:
                return await self._tickets.get(TicketId(entity_id)) is not None
            case TaggedKind.JOURNEYS:
                return await self._journeys.get(JourneyInstanceId(entity_id)) is not None
