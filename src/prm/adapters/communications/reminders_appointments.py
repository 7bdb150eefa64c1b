"""The reminders part's view of appointments, through the appointments context's use cases and
ports (same unit of work): :class:`AppointmentFactsFromAppointments` reads, and
:class:`AppointmentRepliesFromAppointments` applies a patient's reply to a reminder."""

from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.appointments.cancel_appointment import CancelAppointment, CancelAppointmentCommand
from prm.application.appointments.confirm_appointment import ConfirmAppointment, ConfirmAppointmentCommand
from prm.application.appointments.get_appointment import GetAppointment
from prm.application.appointments.ports import HoldRepository, PractitionerDirectory, ScheduleRepository
from prm.application.communications.reminders_ports import (
    AppointmentDetails,
    AppointmentFacts,
    AppointmentReplies,
    WaitlistOfferDetails,
)
from prm.application.identity.ports import TenantRepository
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock
from prm.domain.appointments.errors import AppointmentNotFound, InvalidTransition
from prm.domain.appointments.ids import AppointmentId, HoldId, LocationId
from prm.domain.appointments.model import Appointment, AppointmentStatus, CancellationReason
from prm.domain.appointments.waitlist import HoldKind
from prm.domain.communications.reminders import ReplyOutcome, is_virtual
from prm.domain.shared.ids import PatientId, PractitionerId


class AppointmentFactsFromAppointments(AppointmentFacts):
    """Appointment and waitlist-offer details from ``GetAppointment``, the hold, practitioner and
    location directories of the appointments context, and the tenant (its name; its IANA zone
    when the appointment has no location). ``join_url`` is ``None``: no video-room port exists
    yet."""

    def __init__(
        self,
        get_appointment: GetAppointment,
        holds: HoldRepository,
        practitioners: PractitionerDirectory,
        schedules: ScheduleRepository,
        tenants: TenantRepository,
        context: RequestContext,
        clock: Clock,
    ) -> None:
        self._get_appointment = get_appointment
        self._holds = holds
        self._practitioners = practitioners
        self._schedules = schedules
        self._tenants = tenants
        self._context = context
        self._clock = clock

    async def appointment(self, appointment_id: UUID) -> AppointmentDetails | None:
        try:
            found = await self._get_appointment(AppointmentId(appointment_id))
        except AppointmentNotFound:
            return None
        clinic_name, zone_name, location_name = await self._place(found.location_id)
        return AppointmentDetails(
            appointment_id=found.id,
            patient_id=found.patient_id,
            status=found.status.value,
            starts_at=found.slot.starts_at,
            ends_at=found.slot.ends_at,
            time_zone=zone_name,
            clinic_name=clinic_name,
            practitioner_name=await self._practitioner_name(found.practitioner_id),
            location_name=location_name,
            is_virtual=is_virtual(found.appointment_type),
        )

    async def waitlist_offer(self, offer_id: UUID) -> WaitlistOfferDetails | None:
        hold = await self._holds.get(HoldId(offer_id))
        if hold is None or hold.kind is not HoldKind.OFFER:
            return None
        clinic_name, zone_name, location_name = await self._place(hold.location_id)
        return WaitlistOfferDetails(
            offer_id=hold.id,
            patient_id=hold.patient_id,
            starts_at=hold.slot.starts_at,
            expires_at=hold.expires_at,
            time_zone=zone_name,
            clinic_name=clinic_name,
            practitioner_name=await self._practitioner_name(hold.practitioner_id),
            location_name=location_name,
            live=hold.is_live(self._clock.now()),
        )

    async def _practitioner_name(self, practitioner_id: PractitionerId) -> str | None:
        info = await self._practitioners.get(practitioner_id)
        return info.name if info else None

    async def _place(self, location_id: LocationId | None) -> tuple[str, str, str | None]:
        """The clinic's name, the IANA zone the times read in, and the location's name."""
        tenant = await self._tenants.get(self._context.tenant_id)
        clinic_name = tenant.name if tenant else ""
        zone_name = _known_zone(tenant.time_zone if tenant else "UTC")
        location = await self._schedules.get_location(location_id) if location_id else None
        if location is None:
            return clinic_name, zone_name, None
        return clinic_name, _known_zone(location.time_zone), location.name


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


class AppointmentRepliesFromAppointments(AppointmentReplies):
    """Confirms with ``ConfirmAppointment`` and cancels with ``CancelAppointment`` (reason
    ``pat``, ``notify_patient`` false), in the caller's transaction: their commits are held
    (:meth:`SqlUnitOfWork.held`), so the inbound message, the appointment's change and the
    answer to the patient commit together when the caller commits."""

    def __init__(
        self,
        get_appointment: GetAppointment,
        confirm: ConfirmAppointment,
        cancel: CancelAppointment,
        uow: SqlUnitOfWork,
        clock: Clock,
    ) -> None:
        self._get_appointment = get_appointment
        self._confirm = confirm
        self._cancel = cancel
        self._uow = uow
        self._clock = clock

    async def confirm(self, appointment_id: UUID, patient_id: PatientId) -> ReplyOutcome:
        found = await self._patients_appointment(appointment_id, patient_id)
        if found is None:
            return ReplyOutcome.NOT_FOUND
        try:
            async with self._uow.held():
                await self._confirm(ConfirmAppointmentCommand(appointment_id=found.id, patient_id=patient_id))
        except InvalidTransition:
            return ReplyOutcome.TOO_LATE
        return ReplyOutcome.CONFIRMED

    async def cancel(self, appointment_id: UUID, patient_id: PatientId) -> ReplyOutcome:
        found = await self._patients_appointment(appointment_id, patient_id)
        if found is None:
            return ReplyOutcome.NOT_FOUND
        if found.status is AppointmentStatus.CANCELLED:
            return ReplyOutcome.ALREADY_DONE
        if found.slot.starts_at <= self._clock.now():
            return ReplyOutcome.TOO_LATE
        try:
            async with self._uow.held():
                await self._cancel(
                    CancelAppointmentCommand(
                        appointment_id=found.id, reason=CancellationReason.PATIENT, notify_patient=False
                    )
                )
        except InvalidTransition:
            return ReplyOutcome.TOO_LATE
        return ReplyOutcome.CANCELLED

    async def _patients_appointment(self, appointment_id: UUID, patient_id: PatientId) -> Appointment | None:
        try:
            found = await self._get_appointment(AppointmentId(appointment_id))
        except AppointmentNotFound:
            return None
        return found if found.patient_id == patient_id else None
