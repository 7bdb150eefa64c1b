"""The patient 360 view (the contract's "Get Patient 360 View", ``GET /patients/{id}/360``)."""

from collections.abc import Sequence
from dataclasses import dataclass

from prm.application.patients.patient_360_ports import (
    RECENT_APPOINTMENTS,
    RECENT_COMMUNICATIONS_WINDOW,
    RECENT_ITEMS,
    AppointmentItem,
    CaregiverItem,
    ChannelState,
    JourneyItem,
    MessageItem,
    PatientAppointments,
    PatientCommunications,
    PatientJourneys,
    PatientRelations,
    PatientStatistics,
    PatientTickets,
    TagItem,
    TicketItem,
)
from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId


@dataclass(frozen=True, slots=True, kw_only=True)
class Patient360:
    """Everything the front desk sees of a patient at once: the record, its
    :class:`PatientStatistics`, the last :data:`RECENT_APPOINTMENTS` appointments (latest start
    first), the active journeys with their progress, the newest tickets and messages (at most
    :data:`RECENT_ITEMS` each), the state of each channel (consent, unread messages), the
    patient's caregivers and tags."""

    patient: Patient
    statistics: PatientStatistics
    appointments: Sequence[AppointmentItem]
    journeys: Sequence[JourneyItem]
    tickets: Sequence[TicketItem]
    communications: Sequence[MessageItem]
    channels: Sequence[ChannelState]
    caregivers: Sequence[CaregiverItem]
    tags: Sequence[TagItem]


class GetPatient360:
    """The :class:`Patient360` of a patient of the caller's tenant; raises ``PatientNotFound``
    (404), also for other tenants' ids.

    Bounded work: a fixed number of statements (about a dozen) whatever the patient's history
    holds, none per item. Records one ``read`` audit event naming the patient and commits it.
    """

    def __init__(
        self,
        patients: PatientRepository,
        appointments: PatientAppointments,
        journeys: PatientJourneys,
        tickets: PatientTickets,
        communications: PatientCommunications,
        relations: PatientRelations,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._patients = patients
        self._appointments = appointments
        self._journeys = journeys
        self._tickets = tickets
        self._communications = communications
        self._relations = relations
        self._audit = audit
        self._uow = uow
        self._clock = clock

    async def __call__(self, patient_id: PatientId) -> Patient360:
        patient = await self._patients.get(patient_id)
        if patient is None:
            raise PatientNotFound(f"patient {patient_id} not found")
        now = self._clock.now()
        summary = await self._appointments.summary(patient.id, now)
        journeys, active_journeys = await self._journeys.active(patient.id, RECENT_ITEMS)
        statistics = PatientStatistics(
            total_appointments=summary.total,
            upcoming_appointments=summary.upcoming,
            no_show_appointments=summary.no_shows,
            active_journeys=active_journeys,
            open_tickets=await self._tickets.open_count(patient.id),
            recent_communications=await self._communications.count_since(
                patient.id, now - RECENT_COMMUNICATIONS_WINDOW
            ),
            last_visit_date=summary.last_visit_at,
            next_appointment_date=summary.next_appointment_at,
        )
        view = Patient360(
            patient=patient,
            statistics=statistics,
            appointments=await self._appointments.latest(patient.id, RECENT_APPOINTMENTS),
            journeys=journeys,
            tickets=await self._tickets.latest(patient.id, RECENT_ITEMS),
            communications=await self._communications.latest(patient.id, RECENT_ITEMS),
            channels=await self._communications.channels(patient.id),
            caregivers=await self._relations.caregivers(patient.id),
            tags=await self._relations.tags(patient.id),
        )
        await self._audit.record(AuditAction.READ, "patient", [patient.id])
        await self._uow.commit()
        return view
