"""Confirming an appointment as its patient (the ``C`` reply to a reminder)."""

from datetime import timedelta
from uuid import uuid4

import pytest

from prm.application.appointments.confirm_appointment import ConfirmAppointment, ConfirmAppointmentCommand
from prm.domain.appointments.errors import AppointmentNotFound, InvalidTransition
from prm.domain.appointments.model import Appointment, CancellationReason, TimeSlot
from prm.domain.shared.ids import PatientId, PractitionerId, TenantId
from tests.fakes import NOW, FakeUnitOfWork, FixedClock, InMemoryAuditTrail
from tests.unit.appointments.fakes import InMemoryAppointments

PATIENT = PatientId(uuid4())


async def booked(appointments: InMemoryAppointments) -> Appointment:
    starts_at = NOW + timedelta(days=2)
    appointment = Appointment.book(
        tenant_id=TenantId(uuid4()),
        patient_id=PATIENT,
        practitioner_id=PractitionerId(uuid4()),
        location_id=None,
        slot=TimeSlot(starts_at, starts_at + timedelta(minutes=20)),
        now=NOW,
    )
    await appointments.add(appointment)
    return appointment


async def test_the_patient_confirms_a_booked_appointment_and_the_audit_trail_records_it() -> None:
    appointments, audit, uow, clock = InMemoryAppointments(), InMemoryAuditTrail(), FakeUnitOfWork(), FixedClock()
    confirm = ConfirmAppointment(appointments, audit, uow, clock)
    appointment = await booked(appointments)
    await confirm(ConfirmAppointmentCommand(appointment_id=appointment.id, patient_id=PATIENT))
    assert audit.events == [("update", "appointment", appointment.id, ("participant.status",))]
    assert uow.commits == 1

    with pytest.raises(AppointmentNotFound):  # another patient's appointment is not theirs to confirm
        await confirm(ConfirmAppointmentCommand(appointment_id=appointment.id, patient_id=PatientId(uuid4())))
    clock.current = appointment.slot.starts_at
    with pytest.raises(InvalidTransition, match="started"):
        await confirm(ConfirmAppointmentCommand(appointment_id=appointment.id, patient_id=PATIENT))


async def test_a_cancelled_appointment_cannot_be_confirmed() -> None:
    appointments, uow = InMemoryAppointments(), FakeUnitOfWork()
    appointment = await booked(appointments)
    appointment.cancel(CancellationReason.PATIENT, NOW)
    await appointments.save(appointment, expected_version=1)
    with pytest.raises(InvalidTransition, match="cancelled"):
        await ConfirmAppointment(appointments, InMemoryAuditTrail(), uow, FixedClock())(
            ConfirmAppointmentCommand(appointment_id=appointment.id, patient_id=PATIENT)
        )
    assert uow.commits == 0
