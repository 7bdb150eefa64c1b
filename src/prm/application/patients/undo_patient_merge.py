"""Undo a patient merge (``POST /patients/merges/{id}/undo``)."""

from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID

import structlog

from prm.application.patients.merge_patients import ENTITY, MergeOutcome, principal_of
from prm.application.patients.merge_ports import MergeStatus, PatientMerges
from prm.application.patients.ports import PatientRepository
from prm.application.patients.references import PatientReferences
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.events import PatientMergeUndone
from prm.domain.patients.merging import MergeUndoRefused, PatientMergeNotFound
from prm.domain.patients.model import Patient
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


class UndoPatientMerge:
    """Put both records and every re-pointed reference back as they were before the merge, in one
    transaction; returns the record (now ``undone``) and the restored target.

    The rule: an undo is refused (``MergeUndoRefused``, 409) when the merge is already undone, or
    when either record is no longer at the version the merge left it. The survivor moves on when
    it is edited, merged into another record, or gets another record merged into it: undo those
    first (newest first), or not at all. Rows of other contexts are put back only where they still
    hold what the merge wrote (a row changed or removed since is left as it is); rows the merge
    removed (a duplicate thread or preference) come back. Both records get their exact previous
    state, versions included, so an ``ETag`` taken before the merge is valid again. Audited
    (``update`` on both patients and on the merge), ``patient.merge_undone`` in the outbox.
    ``PatientMergeNotFound`` (404) for a merge the tenant does not have.
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
        self._references = {r.context: r for r in references}
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, merge_id: UUID) -> MergeOutcome:
        record = await self._merges.get(merge_id)
        if record is None:
            raise PatientMergeNotFound(f"merge {merge_id} not found")
        if record.status is not MergeStatus.MERGED:
            raise MergeUndoRefused(f"merge {merge_id} is already undone")
        source = await self._current(record.source_id, record.source_version, "source")
        target = await self._current(record.target_id, record.target_version, "target")
        unknown = sorted(set(record.changes) - set(self._references))
        if unknown:  # pragma: no cover - a context's adapter was removed from the container
            raise MergeUndoRefused(f"merge {merge_id} changed {', '.join(unknown)}, which this PRM cannot restore")
        for context in reversed(list(record.changes)):
            await self._references[context].restore(record.changes[context])
        await self._patients.save(replace(record.source_before, events=[]), expected_version=source.version)
        await self._patients.save(replace(record.target_before, events=[]), expected_version=target.version)
        now = self._clock.now()
        by = principal_of(self._context)
        if not await self._merges.mark_undone(merge_id, now, by):  # pragma: no cover - a concurrent undo won
            raise MergeUndoRefused(f"merge {merge_id} is already undone")
        await self._outbox.add([PatientMergeUndone(record.source_id, record.target_id, record.id)])
        await self._audit.record(AuditAction.UPDATE, "patient", [record.source_id], ["status", "links"])
        await self._audit.record(
            AuditAction.UPDATE, "patient", [record.target_id], [*record.fields, "identifiers", "links"]
        )
        await self._audit.record(AuditAction.UPDATE, ENTITY, [record.id], ["status"])
        await self._uow.commit()
        log.info("patient.merge_undone", merge_id=str(record.id))
        undone = replace(record, status=MergeStatus.UNDONE, undone_at=now, undone_by=by)
        return MergeOutcome(undone, replace(record.target_before, events=[]))

    async def _current(self, patient_id: PatientId, version: int, role: str) -> Patient:
        patient = await self._patients.get(patient_id)
        if patient is None or patient.version != version:
            raise MergeUndoRefused(
                f"the {role} patient {patient_id} has changed since the merge (version "
                f"{patient.version if patient else '-'}, the merge left {version}): undo later changes first"
            )
        return patient
