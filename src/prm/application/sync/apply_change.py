"""Apply one change a device made offline, through the REST API's own use cases."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import structlog

from prm.application.appointments.book_appointment import BookAppointment, BookAppointmentCommand
from prm.application.appointments.delete_appointment import DeleteAppointment
from prm.application.appointments.update_appointment import UpdateAppointment, UpdateAppointmentCommand
from prm.application.patients.deactivate_patient import DeactivatePatient
from prm.application.patients.inputs import PatientInput
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.update_patient import UpdatePatient, UpdatePatientCommand
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock
from prm.application.sync.permissions import may
from prm.application.sync.ports import SyncLedger, SyncRecords, SyncUnit
from prm.domain.appointments.errors import AppointmentNotFound
from prm.domain.appointments.ids import AppointmentId
from prm.domain.appointments.model import Appointment
from prm.domain.patients.model import Patient
from prm.domain.shared.errors import PatientNotFound, RuleViolated
from prm.domain.shared.ids import PatientId
from prm.domain.sync.errors import BaseVersionRequired, SyncNotPermitted
from prm.domain.sync.model import AppliedChange, ChangeStatus, SyncEntity, SyncOperation

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncChange:
    """One change of a device, identified by ``(device_id, change_id)``.

    ``entity_id`` is the server id of the record (update, delete); ``base_version`` the server
    version the device last saw of it (required for update and delete, ignored for create);
    ``changed_at`` when the device made the change (UTC, kept for the log only: the server's
    clock orders changes). The payload is the one the REST API would take: ``patient`` (create),
    ``patient_changes`` (update), ``booking`` (create), ``appointment_changes`` (update; its
    ``appointment_id`` and ``expected_version`` are filled in from ``entity_id`` and
    ``base_version``).
    """

    device_id: str
    change_id: str
    entity: SyncEntity
    operation: SyncOperation
    entity_id: UUID | None = None
    base_version: int | None = None
    changed_at: datetime
    patient: PatientInput | None = None
    patient_changes: Mapping[str, object] = field(default_factory=dict)
    booking: BookAppointmentCommand | None = None
    appointment_changes: UpdateAppointmentCommand | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncChangeOutcome:
    """``applied`` (with the record's id and new version; ``replayed`` when an earlier upload
    applied it already) or ``conflict`` (with the server's current record: nothing changed)."""

    status: ChangeStatus
    applied: AppliedChange | None = None
    replayed: bool = False
    current_patient: Patient | None = None
    current_appointment: Appointment | None = None


class ApplySyncChange:
    """Apply one device change in a unit of work of its own, as the caller.

    - The caller needs ``patients:write`` or ``appointments:write`` for the record's kind
      (``SyncNotPermitted``, 403).
    - An update or delete whose ``base_version`` is not the server's current version is a
      conflict: nothing is written, and the server's record comes back (its read is audited).
    - Otherwise the REST API's use case applies it (same validation, audit and outbox events) and
      the ledger remembers ``(device_id, change_id)`` in the same transaction: the same change
      uploaded again is answered from the ledger, not applied twice.
    - Raises the use case's errors (``RuleViolated`` 422, ``PatientNotFound`` 404,
      ``SlotUnavailable`` 409, ``StaleVersion`` 409 for a change that raced another, ...).
    """

    def __init__(
        self,
        register_patient: RegisterPatient,
        update_patient: UpdatePatient,
        deactivate_patient: DeactivatePatient,
        book_appointment: BookAppointment,
        update_appointment: UpdateAppointment,
        delete_appointment: DeleteAppointment,
        records: SyncRecords,
        ledger: SyncLedger,
        unit: SyncUnit,
        audit: AuditTrail,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._register_patient = register_patient
        self._update_patient = update_patient
        self._deactivate_patient = deactivate_patient
        self._book_appointment = book_appointment
        self._update_appointment = update_appointment
        self._delete_appointment = delete_appointment
        self._records = records
        self._ledger = ledger
        self._unit = unit
        self._audit = audit
        self._clock = clock
        self._context = context

    async def __call__(self, change: SyncChange) -> SyncChangeOutcome:
        earlier = await self._ledger.get(change.device_id, change.change_id)
        if earlier is not None:
            return SyncChangeOutcome(status=ChangeStatus.APPLIED, applied=earlier, replayed=True)
        if not may(self._context, change.entity, "write"):
            raise SyncNotPermitted(f"{change.entity}s:write is needed to upload this change")
        if change.operation is not SyncOperation.CREATE:
            conflict = await self._conflict(change)
            if conflict is not None:
                return conflict
        async with self._unit.joined():
            applied = await self._apply(change)
        await self._ledger.add(change.device_id, change.change_id, applied, self._clock.now())
        await self._unit.commit()
        log.info("sync.change_applied", entity=change.entity.value, entity_id=str(applied.entity_id))
        return SyncChangeOutcome(status=ChangeStatus.APPLIED, applied=applied)

    async def _conflict(self, change: SyncChange) -> SyncChangeOutcome | None:
        if change.entity_id is None:
            raise RuleViolated(f"an {change.operation} needs the record's entity_id", field="entity_id")
        if change.base_version is None:
            raise BaseVersionRequired(f"an {change.operation} needs the server version it was based on")
        if change.entity is SyncEntity.PATIENT:
            patient = await self._records.patient(PatientId(change.entity_id))
            if patient is None:
                raise PatientNotFound(f"patient {change.entity_id} not found")
            if patient.version == change.base_version:
                return None
            await self._audit.record(AuditAction.READ, "patient", [patient.id])
            await self._unit.commit()
            log.info("sync.change_conflict", entity="patient", entity_id=str(patient.id))
            return SyncChangeOutcome(status=ChangeStatus.CONFLICT, current_patient=patient)
        appointment = await self._records.appointment(AppointmentId(change.entity_id))
        if appointment is None:
            raise AppointmentNotFound(f"appointment {change.entity_id} not found")
        if appointment.version == change.base_version:
            return None
        await self._audit.record(AuditAction.READ, "appointment", [appointment.id])
        await self._unit.commit()
        log.info("sync.change_conflict", entity="appointment", entity_id=str(appointment.id))
        return SyncChangeOutcome(status=ChangeStatus.CONFLICT, current_appointment=appointment)

    async def _apply(self, change: SyncChange) -> AppliedChange:
        if change.entity is SyncEntity.PATIENT:
            return await self._apply_to_patient(change)
        return await self._apply_to_appointment(change)

    async def _apply_to_patient(self, change: SyncChange) -> AppliedChange:
        operation = change.operation
        if operation is SyncOperation.CREATE:
            if change.patient is None:
                raise RuleViolated("a patient create needs its fields", field="fields")
            patient = await self._register_patient(change.patient)
        elif operation is SyncOperation.UPDATE:
            assert change.entity_id is not None  # checked by _conflict
            patient = await self._update_patient(
                UpdatePatientCommand(
                    patient_id=PatientId(change.entity_id),
                    changes=dict(change.patient_changes),
                    expected_version=change.base_version,
                )
            )
        else:
            assert change.entity_id is not None
            patient = await self._deactivate_patient(PatientId(change.entity_id), change.base_version)
        return AppliedChange(
            entity=SyncEntity.PATIENT, operation=operation, entity_id=patient.id, version=patient.version
        )

    async def _apply_to_appointment(self, change: SyncChange) -> AppliedChange:
        operation = change.operation
        if operation is SyncOperation.CREATE:
            if change.booking is None:
                raise RuleViolated("an appointment create needs its fields", field="fields")
            appointment = await self._book_appointment(change.booking)
            return AppliedChange(
                entity=SyncEntity.APPOINTMENT,
                operation=operation,
                entity_id=appointment.id,
                version=appointment.version,
            )
        assert change.entity_id is not None
        appointment_id = AppointmentId(change.entity_id)
        if operation is SyncOperation.DELETE:
            await self._delete_appointment(appointment_id, change.base_version)
            return AppliedChange(
                entity=SyncEntity.APPOINTMENT, operation=operation, entity_id=appointment_id, version=None
            )
        given = change.appointment_changes or UpdateAppointmentCommand(appointment_id=appointment_id)
        appointment = await self._update_appointment(
            UpdateAppointmentCommand(
                appointment_id=appointment_id,
                starts_at=given.starts_at,
                ends_at=given.ends_at,
                status=given.status,
                changes=dict(given.changes),
                expected_version=change.base_version,
            )
        )
        return AppliedChange(
            entity=SyncEntity.APPOINTMENT, operation=operation, entity_id=appointment.id, version=appointment.version
        )
