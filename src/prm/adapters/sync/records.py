"""What offline sync reads of the patients and appointments contexts: their records, through
their repositories (tenant-scoped), without audit (the sync use cases audit what they send)."""

from collections.abc import Sequence
from uuid import UUID

from prm.application.appointments.ports import AppointmentRepository
from prm.application.patients.ports import PatientRepository
from prm.application.sync.ports import SyncRecords
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import Appointment
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId


class SyncRecordsFromContexts(SyncRecords):
    """The current patient and appointment records a download sends, read through their contexts' repositories."""

    def __init__(self, patients: PatientRepository, appointments: AppointmentRepository) -> None:
        self._patients = patients
        self._appointments = appointments

    async def patient(self, patient_id: PatientId) -> Patient | None:
        return await self._patients.get(patient_id)

    async def appointment(self, appointment_id: AppointmentId) -> Appointment | None:
        return await self._appointments.get(appointment_id)

    async def patients(self, ids: Sequence[UUID]) -> dict[UUID, Patient]:
        found = {}
        for patient_id in ids:
            if (patient := await self._patients.get(PatientId(patient_id))) is not None:
                found[patient_id] = patient
        return found

    async def appointments(self, ids: Sequence[UUID]) -> dict[UUID, Appointment]:
        found = {}
        for appointment_id in ids:
            if (appointment := await self._appointments.get(AppointmentId(appointment_id))) is not None:
                found[appointment_id] = appointment
        return found
