"""Merge one patient record into another (``POST /patients/merge``; Harman's ``merge/{target_id}``)."""

from collections.abc import Sequence
from dataclasses import dataclass, replace

import structlog

from prm.application.patients.merge_ports import MergeStatus, PatientMergeRecord, PatientMerges
from prm.application.patients.ports import PatientRepository
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.events import PatientMerged
from prm.domain.patients.merging import MergeRefused, check_fields, merge_into
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId, new_id

log = structlog.get_logger(__name__)

ENTITY = "patient_merge"
"""The audit trail's name for a merge record."""

MAX_REASON_LENGTH = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class MergePatientsCommand:
    """Merge ``source_id`` into ``target_id`` (the survivor), which takes ``fields`` (names of
    :data:`prm.domain.patients.merging.MERGEABLE_FIELDS`) from the source; ``reason`` up to 500
    characters, kept on the merge record."""

    source_id: PatientId
    target_id: PatientId
    fields: tuple[str, ...] = ()
    reason: str | None = None


def principal_of(context: RequestContext) -> str:
    """``<kind>:<id>`` of the caller, as merge records keep it."""
    return f"{context.principal.kind.value}:{context.principal.id or '-'}"


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    record: PatientMergeRecord
    survivor: Patient


class MergePatients:
    """One transaction: both records, every context's references (each :class:`PatientReferences`
    of the container's list), the merge record, two ``update`` audit events on the patients and a
    ``create`` on the merge, and ``patient.merged`` in the outbox.

    Raises ``MergeRefused`` (422, naming ``source_patient_id``, ``target_patient_id`` or
    ``fields``) for an id the tenant does not have, the same record twice, a merged record or an
    unknown field; ``InvalidPatient`` (422) when the taken fields break the survivor's rules;
    ``StaleVersion`` (409) when either record changed while merging.
    """

    def __init__(
        self,
        patients: PatientRepository,
        merges: PatientMerges,
        references: Sequence[PatientReferences],
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._patients = patients
        self._merges = merges
        self._references = references
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, command: MergePatientsCommand) -> MergeOutcome:
        fields = check_fields(command.fields)
        reason = (command.reason or "").strip() or None
        if reason is not None and len(reason) > MAX_REASON_LENGTH:
            raise MergeRefused(f"reason is at most {MAX_REASON_LENGTH} characters", field="reason")
        source = await self._existing(command.source_id, "source_patient_id")
        target = await self._existing(command.target_id, "target_patient_id")
        source_before, target_before = replace(source, events=[]), replace(target, events=[])
        now = self._clock.now()
        merge_into(source, target, fields, now)
        await self._patients.save(source, expected_version=source_before.version)
        await self._patients.save(target, expected_version=target_before.version)
        changes: dict[str, Sequence[ReferenceChange]] = {}
        for references in self._references:
            changes[references.context] = await references.repoint(source.id, target.id)
        record = PatientMergeRecord(
            id=new_id(),
            source_id=source.id,
            target_id=target.id,
            status=MergeStatus.MERGED,
            reason=reason,
            fields=fields,
            merged_at=now,
            merged_by=principal_of(self._context),
            source_before=source_before,
            target_before=target_before,
            source_version=source.version,
            target_version=target.version,
            changes=changes,
            counts={context: len(rows) for context, rows in changes.items()},
        )
        await self._merges.add(record)
        await self._outbox.add([PatientMerged(source.id, target.id, record.id, fields)])
        await self._audit.record(AuditAction.UPDATE, "patient", [source.id], ["status", "links"])
        await self._audit.record(AuditAction.UPDATE, "patient", [target.id], [*fields, "identifiers", "links"])
        await self._audit.record(AuditAction.CREATE, ENTITY, [record.id])
        await self._uow.commit()
        log.info(
            "patient.merged",
            merge_id=str(record.id),
            source_patient_id=str(source.id),
            target_patient_id=str(target.id),
            references=sum(record.counts.values()),
        )
        return MergeOutcome(record, target)

    async def _existing(self, patient_id: PatientId, field: str) -> Patient:
        patient = await self._patients.get(patient_id)
        if patient is None:
            raise MergeRefused(f"{field}: no patient {patient_id} in this tenant", field=field)
        return patient
