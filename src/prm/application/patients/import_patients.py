"""Upsert a batch of patients from another system (``prm import synthea``)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from prm.application.patients.inputs import PatientInput, build_details
from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail, record_updates
from prm.application.shared.context import RequestContext
from prm.application.shared.imports import BatchOutcome, Rejection, SourceRef
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.events import PatientUpdated
from prm.domain.patients.model import MRN_TYPE, Identifier, Patient, PatientDetails
from prm.domain.shared.errors import RuleViolated

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientRecord:
    """One source row. ``patient.mrn`` is required (it is the upsert key). ``provided`` names the
    ``PatientDetails`` fields the source carries: only those are overwritten on update, so a phone
    that staff added survives a re-import from a source without phones."""

    source: SourceRef
    patient: PatientInput
    provided: frozenset[str] = field(default_factory=lambda: frozenset(PatientDetails.__dataclass_fields__))


class ImportPatients:
    """Create the patients whose MRN is new and update the others, in one transaction.

    - Rows that break a rule, or repeat an MRN of the same batch, are rejected with their source
      line and the field at fault; the rest of the batch goes on.
    - Identifiers merge by system: the source's replace those of the same system, others stay.
    - A patient whose provided fields are unchanged is counted ``unchanged`` and not written.
    - Each created or changed patient gets one audit event (``create``, or ``update`` naming its
      changed fields), in the batch's transaction.
    - Raises ``Conflict`` if the batch collides with a concurrent writer (nothing is written):
      the caller may retry the rows one by one.
    """

    def __init__(
        self,
        patients: PatientRepository,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._audit = audit
        self._patients = patients
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, records: Sequence[PatientRecord]) -> BatchOutcome:
        now = self._clock.now()
        outcome = BatchOutcome()
        valid: dict[str, tuple[PatientRecord, PatientDetails]] = {}
        for record in records:
            try:
                if not record.patient.mrn:
                    raise RuleViolated("an imported patient needs an MRN", field="mrn")
                details = build_details(
                    record.patient, mrn=record.patient.mrn, region=self._context.phone_region
                ).checked(now.date())
            except RuleViolated as exc:
                outcome.rejected.append(Rejection(record.source, exc.field, exc.detail))
                continue
            if details.mrn in valid:
                first = valid[details.mrn][0].source
                outcome.rejected.append(Rejection(record.source, "mrn", f"repeats the MRN of line {first.line}"))
                continue
            valid[details.mrn] = (record, details)

        existing = await self._patients.get_many_by_mrn(valid)
        created: list[Patient] = []
        changed: list[tuple[Patient, int]] = []
        for mrn, (record, details) in valid.items():
            current = existing.get(mrn)
            if current is None:
                created.append(Patient.register(tenant_id=self._context.tenant_id, details=details, now=now))
                continue
            version = current.version
            try:
                revised = current.revise(now, **_changes(current.details, details, record.provided))
            except RuleViolated as exc:
                outcome.rejected.append(Rejection(record.source, exc.field, exc.detail))
                continue
            if revised:
                changed.append((current, version))
            else:
                outcome.unchanged += 1
        await self._patients.add_many(created)
        await self._patients.save_many(changed)
        await self._outbox.add(
            [event for p in created for event in p.events] + [event for p, _ in changed for event in p.events]
        )
        await self._audit.record(AuditAction.CREATE, "patient", [p.id for p in created])
        await record_updates(
            self._audit,
            "patient",
            [
                (p.id, [f for e in p.events if isinstance(e, PatientUpdated) for f in e.changed_fields])
                for p, _ in changed
            ],
        )
        await self._uow.commit()
        outcome.created += len(created)
        outcome.updated += len(changed)
        log.info(
            "patients.imported",
            created=len(created),
            updated=len(changed),
            unchanged=outcome.unchanged,
            rejected=len(outcome.rejected),
        )
        return outcome


def _changes(current: PatientDetails, incoming: PatientDetails, provided: frozenset[str]) -> dict[str, object]:
    changes: dict[str, object] = {name: getattr(incoming, name) for name in provided if name != "identifiers"}
    systems = {i.system for i in incoming.identifiers if i.type != MRN_TYPE}
    kept: tuple[Identifier, ...] = tuple(
        i for i in current.identifiers if i.type != MRN_TYPE and i.system not in systems
    )
    changes["identifiers"] = (
        *(i for i in incoming.identifiers if i.type == MRN_TYPE),
        *(i for i in incoming.identifiers if i.type != MRN_TYPE),
        *kept,
    )
    return changes
