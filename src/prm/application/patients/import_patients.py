"""Upsert a batch of patients from another system (``prm import synthea``)."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import structlog

from prm.application.patients.inputs import PatientInput, build_details
from prm.application.patients.ports import PatientRepository
from prm.application.shared.audit import AuditAction, AuditTrail, record_updates
from prm.application.shared.context import RequestContext
from prm.application.shared.imports import BatchOutcome, Rejection, SourceRef, ValueWarning
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.patients.events import PatientUpdated
from prm.domain.patients.model import MRN_TYPE, Identifier, Patient, PatientDetails
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender

log = structlog.get_logger(__name__)

OPTIONAL_FIELDS = frozenset(
    {"identifiers", "gender", "deceased_date", "telecom", "addresses", "preferred_language", "marital_status"}
)
"""What :attr:`PatientRecord.optional` may name. ``identifiers`` are the other identifiers (never
the MRN); ``telecom`` leaves out only the contact point at fault."""

_EMPTY: dict[str, object] = {"identifiers": (), "telecom": (), "addresses": (), "gender": AdministrativeGender.UNKNOWN}


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientRecord:
    """One source row. ``patient.mrn`` is required (it is the upsert key). ``provided`` names the
    ``PatientDetails`` fields the source carries: only those are overwritten on update, so a phone
    that staff added survives a re-import from a source without phones.

    ``optional`` names fields (of :data:`OPTIONAL_FIELDS`) whose value may be left out when it
    breaks a rule: the row then imports without it, with a :class:`ValueWarning`, and an existing
    patient keeps its own value. ``warnings`` are the reader's, about this row; the use case does
    not look at them."""

    source: SourceRef
    patient: PatientInput
    provided: frozenset[str] = field(default_factory=lambda: frozenset(PatientDetails.__dataclass_fields__))
    optional: frozenset[str] = frozenset()
    warnings: tuple[ValueWarning, ...] = ()


class ImportPatients:
    """Create the patients whose MRN is new and update the others, in one transaction.

    - A rule broken in one of the record's ``optional`` fields leaves that value out (a warning
      in ``outcome.warnings``; an existing patient keeps its value). Rows that break another
      rule, or repeat an MRN of the same batch, are rejected with their source line and the
      field at fault; the rest of the batch goes on.
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
        valid: dict[str, tuple[PatientRecord, PatientDetails, frozenset[str]]] = {}
        for record in records:
            warnings: list[ValueWarning] = []
            try:
                details, provided = self._details(record, now.date(), warnings)
            except RuleViolated as exc:
                outcome.rejected.append(Rejection(record.source, exc.field, exc.detail))
                continue
            if details.mrn in valid:
                first = valid[details.mrn][0].source
                outcome.rejected.append(Rejection(record.source, "mrn", f"repeats the MRN of line {first.line}"))
                continue
            outcome.warnings.extend(warnings)
            valid[details.mrn] = (record, details, provided)

        existing = await self._patients.get_many_by_mrn(valid)
        created: list[Patient] = []
        changed: list[tuple[Patient, int]] = []
        for mrn, (record, details, provided) in valid.items():
            current = existing.get(mrn)
            if current is None:
                created.append(Patient.register(tenant_id=self._context.tenant_id, details=details, now=now))
                continue
            version = current.version
            try:
                revised = current.revise(now, **_changes(current.details, details, provided))
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
            warnings=len(outcome.warnings),
        )
        return outcome

    def _details(
        self, record: PatientRecord, today: date, warnings: list[ValueWarning]
    ) -> tuple[PatientDetails, frozenset[str]]:
        """The record's checked details, its optional values that break a rule left out (one
        warning each), and the fields to overwrite on update (``provided`` less those left out).
        Raises ``RuleViolated`` for another field."""
        given = record.patient
        provided = record.provided
        while True:
            try:
                if not given.mrn:
                    raise RuleViolated("an imported patient needs an MRN", field="mrn")
                details = build_details(given, mrn=given.mrn, region=self._context.phone_region).checked(today)
                return details, provided
            except RuleViolated as exc:
                left_out = _without(given, exc.field, record.optional)
                if left_out is None:
                    raise
                given, name = left_out
                warnings.append(ValueWarning(record.source, exc.field, f"{exc.detail}: left out"))
                provided = provided - {name}


def _without(given: PatientInput, path: str | None, optional: frozenset[str]) -> tuple[PatientInput, str] | None:
    """``given`` without the value at ``path``, and the field it belongs to, when ``optional``
    allows it and there is a value to leave out; else ``None``."""
    if path is None or not optional:
        return None
    name, _, rest = path.partition(".")
    if name == "telecom" or any(c.source_field == path for c in given.telecom):
        if "telecom" not in optional:
            return None
        index = rest.partition(".")[0]
        position = (
            int(index)
            if name == "telecom" and index.isdigit()
            else next((i for i, c in enumerate(given.telecom) if c.source_field == path), None)
        )
        if position is None or position >= len(given.telecom):
            return None
        return replace(given, telecom=given.telecom[:position] + given.telecom[position + 1 :]), "telecom"
    if name not in optional or name not in OPTIONAL_FIELDS:
        return None
    empty: Any = _EMPTY.get(name)
    return None if getattr(given, name) == empty else (replace(given, **{name: empty}), name)


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
