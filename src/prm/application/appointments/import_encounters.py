"""Import past encounters (e.g. Synthea's ``encounters.csv``) as fulfilled appointments."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import structlog

from prm.application.appointments.ports import AppointmentRepository, PatientDirectory, PractitionerDirectory
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.imports import BatchOutcome, Rejection, SourceRef, ValueWarning
from prm.application.shared.ports import Clock, UnitOfWork
from prm.domain.appointments.errors import InvalidTransition
from prm.domain.appointments.model import Appointment, TimeSlot
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId, PractitionerId

log = structlog.get_logger(__name__)

SOURCE_CHANNEL = "import"
OPTIONAL_FIELDS = frozenset({"appointment_type", "reason_text"})
"""What :attr:`EncounterRecord.optional` may name."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EncounterRecord:
    """One past encounter of a source file.

    ``external_id`` is the source's encounter id (it becomes the appointment's ``external_id``, the
    key that makes a re-import create nothing); ``patient_mrn`` is the patient's MRN and
    ``practitioner_external_id`` the practitioner's external id, both as an earlier import of the
    same source stored them; ``slot`` is when it took place (UTC; a ``Period`` for a stay longer
    than a day); ``appointment_type`` and ``reason_text`` are free text (at most 100 and 1000
    characters). ``optional`` names fields (of :data:`OPTIONAL_FIELDS`) whose value is left out,
    with a :class:`ValueWarning`, when it breaks a rule, instead of rejecting the record.
    ``warnings`` are the reader's, about this row; the use case does not look at them.
    """

    source: SourceRef
    external_id: str
    patient_mrn: str
    practitioner_external_id: str
    slot: TimeSlot
    appointment_type: str | None = None
    reason_text: str | None = None
    optional: frozenset[str] = frozenset()
    warnings: tuple[ValueWarning, ...] = ()


class ImportEncounters:
    """Insert the encounters not imported yet as ``fulfilled`` appointments, in one transaction.

    Encounters are keyed by ``external_id``: one already stored (or met earlier in the same batch)
    counts as ``unchanged``, so running an import again creates nothing. Patients and practitioners
    are resolved in bulk (one look-up each per batch); a record whose patient or practitioner is
    unknown is rejected with field ``PATIENT`` / ``PROVIDER`` (the Synthea columns), one that breaks
    an appointment rule (a start in the future, a text too long) with the rule's field name, unless
    the field is one of the record's ``optional`` ones: that value is then left out, with a
    warning in ``outcome.warnings``.
    Appointments are inserted in one bulk statement; they record no domain events (history is not
    news) but one audit ``create`` event each. Returns the batch's counts and rejections.
    """

    def __init__(
        self,
        appointments: AppointmentRepository,
        patients: PatientDirectory,
        practitioners: PractitionerDirectory,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._appointments = appointments
        self._patients = patients
        self._practitioners = practitioners
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, records: Sequence[EncounterRecord]) -> BatchOutcome:
        outcome = BatchOutcome()
        if not records:
            return outcome
        now = self._clock.now()
        existing = await self._appointments.existing_external_ids({r.external_id for r in records})
        patients = await self._patients.ids_by_mrn({r.patient_mrn for r in records})
        practitioners = await self._practitioners.ids_by_external_id({r.practitioner_external_id for r in records})
        batch: list[Appointment] = []
        for record in records:
            if record.external_id in existing:
                outcome.unchanged += 1
                continue
            patient_id = patients.get(record.patient_mrn)
            if patient_id is None:
                outcome.rejected.append(Rejection(record.source, "PATIENT", "no imported patient has this Id"))
                continue
            practitioner_id = practitioners.get(record.practitioner_external_id)
            if practitioner_id is None:
                outcome.rejected.append(Rejection(record.source, "PROVIDER", "no imported provider has this Id"))
                continue
            try:
                appointment = self._appointment(record, patient_id, practitioner_id, now, outcome.warnings)
            except RuleViolated as exc:
                outcome.rejected.append(Rejection(record.source, exc.field or "slot", exc.detail))
                continue
            except InvalidTransition as exc:  # it starts in the future: not fulfilled yet
                outcome.rejected.append(Rejection(record.source, "slot", exc.detail))
                continue
            existing.add(record.external_id)
            batch.append(appointment)
        if batch:
            await self._appointments.add_many(batch)
            await self._audit.record(AuditAction.CREATE, "appointment", [a.id for a in batch])
            await self._uow.commit()
        outcome.created += len(batch)
        log.info(
            "encounters.imported",
            created=len(batch),
            unchanged=outcome.unchanged,
            rejected=len(outcome.rejected),
            warnings=len(outcome.warnings),
        )
        return outcome

    def _appointment(
        self,
        record: EncounterRecord,
        patient_id: PatientId,
        practitioner_id: PractitionerId,
        now: datetime,
        warnings: list[ValueWarning],
    ) -> Appointment:
        """The fulfilled appointment of ``record``; an optional text that breaks a rule is left
        out (a warning in ``warnings``). Raises ``RuleViolated`` / ``InvalidTransition`` otherwise."""
        left_out: list[ValueWarning] = []
        while True:
            try:
                appointment = Appointment.record_past(
                    tenant_id=self._context.tenant_id,
                    patient_id=patient_id,
                    practitioner_id=practitioner_id,
                    slot=record.slot,
                    now=now,
                    appointment_type=record.appointment_type,
                    reason_text=record.reason_text,
                    source_channel=SOURCE_CHANNEL,
                    external_id=record.external_id,
                )
            except RuleViolated as exc:
                name = exc.field or ""
                if name not in record.optional or name not in OPTIONAL_FIELDS or getattr(record, name) is None:
                    raise
                left_out.append(ValueWarning(record.source, name, f"{exc.detail}: left out"))
                cleared: dict[str, Any] = {name: None}
                record = replace(record, **cleared)
                continue
            warnings.extend(left_out)
            return appointment
