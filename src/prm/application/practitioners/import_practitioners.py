"""Upsert a batch of practitioners from another system (``prm import synthea``: providers)."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import structlog

from prm.application.practitioners.inputs import EDITABLE_FIELDS, PractitionerInput, build_details
from prm.application.practitioners.ports import PractitionerRepository
from prm.application.shared.audit import AuditAction, AuditTrail, record_updates
from prm.application.shared.context import RequestContext
from prm.application.shared.imports import BatchOutcome, Rejection, SourceRef, ValueWarning
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.practitioners.errors import InvalidPractitioner
from prm.domain.practitioners.events import PractitionerUpdated
from prm.domain.practitioners.model import Practitioner, PractitionerDetails
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.person import AdministrativeGender

log = structlog.get_logger(__name__)

OPTIONAL_FIELDS = frozenset(
    {
        *(f for f in EDITABLE_FIELDS if f not in {"first_name", "last_name", "external_id", "is_active"}),
        "organization.phone",
        "organization.address",
    }
)
"""What :attr:`PractitionerRecord.optional` may name: every field but the names, the external id
and ``is_active``; ``organization.phone`` and ``organization.address`` drop only that part of the
practice, ``organization`` the whole practice."""

_EMPTY: dict[str, object] = {"gender": AdministrativeGender.UNKNOWN, "meta_data": {}}  # the others: None


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionerRecord:
    """One source row. ``practitioner.external_id`` is required: it is the upsert key.

    ``provided`` names the fields the source gives (default: all): an update overwrites only
    those. ``optional`` names fields (of :data:`OPTIONAL_FIELDS`) whose value may be left out
    when it breaks a rule: the row then imports without it, with a :class:`ValueWarning`, and an
    existing practitioner keeps its own value. ``warnings`` are the reader's, about this row; the
    use case does not look at them.
    """

    source: SourceRef
    practitioner: PractitionerInput
    provided: frozenset[str] = EDITABLE_FIELDS
    optional: frozenset[str] = frozenset()
    warnings: tuple[ValueWarning, ...] = ()


class ImportPractitioners:
    """Create the practitioners whose ``external_id`` is new and update the others, in one transaction.

    - Each row is validated like a registration (phones to E.164 in the tenant's region, emails
      normalised). A rule broken in one of the record's ``optional`` fields leaves that value out
      (a warning in ``outcome.warnings``); rows that break another rule, lack an ``external_id``,
      repeat an ``external_id`` or a license number of an earlier row of the batch, or carry a
      license number that another practitioner of the tenant holds (even one this batch moves to
      another number), are rejected with their source line and the field at fault (in source
      order); the rest of the batch goes on.
    - Existing practitioners take every ``provided`` field of the source (the source is the
      system of record for what it sends) but those whose value was left out; one whose fields
      are all unchanged is counted ``unchanged`` and not written, the others are ``updated``
      (version + 1).
    - Events go to the outbox, one audit event per created or changed practitioner (``create``,
      or ``update`` naming its changed fields); the batch is committed once.
    - Raises ``Conflict`` (``StaleVersion``, ``DuplicateLicense``, ``DuplicateExternalId``) if the
      batch collides with a concurrent writer; nothing is written then, and the caller may retry.
    """

    def __init__(
        self,
        practitioners: PractitionerRepository,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._audit = audit
        self._practitioners = practitioners
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, records: Sequence[PractitionerRecord]) -> BatchOutcome:
        now = self._clock.now()
        outcome = BatchOutcome()
        valid = self._validate(records, outcome)
        external_ids = list(valid)
        existing = await self._practitioners.get_many_by_external_id(external_ids)
        licenses = [d.license_number for _, d, _ in valid.values() if d.license_number]
        holders = await self._practitioners.get_many_by_license_number(licenses)

        created: list[Practitioner] = []
        changed: list[tuple[Practitioner, int]] = []
        claims: dict[str, tuple[str | None, SourceRef | None]] = {
            number: (holder.details.external_id, None) for number, holder in holders.items()
        }
        for external_id, (record, details, kept) in valid.items():
            if details.license_number is not None:
                owner, line = claims.setdefault(details.license_number, (external_id, record.source))
                if owner != external_id:
                    reason = (
                        f"repeats the license number of line {line.line}"
                        if line
                        else "another practitioner holds this license number"
                    )
                    outcome.rejected.append(Rejection(record.source, "license_number", reason))
                    continue
            current = existing.get(external_id)
            if current is None:
                created.append(Practitioner.register(tenant_id=self._context.tenant_id, details=details, now=now))
                continue
            version = current.version
            if current.revise(now, **{name: getattr(details, name) for name in record.provided - kept}):
                changed.append((current, version))
            else:
                outcome.unchanged += 1

        await self._practitioners.add_many(created)
        await self._practitioners.save_many(changed)
        await self._outbox.add(
            [event for p in created for event in p.events] + [event for p, _ in changed for event in p.events]
        )
        if created:
            await self._audit.record(AuditAction.CREATE, "practitioner", [p.id for p in created])
        await record_updates(
            self._audit,
            "practitioner",
            [
                (p.id, [f for e in p.events if isinstance(e, PractitionerUpdated) for f in e.changed_fields])
                for p, _ in changed
            ],
        )
        await self._uow.commit()
        outcome.created += len(created)
        outcome.updated += len(changed)
        outcome.rejected.sort(key=lambda r: (r.source.file, r.source.line))
        outcome.warnings.sort(key=lambda w: (w.source.file, w.source.line))
        log.info(
            "practitioners.imported",
            created=len(created),
            updated=len(changed),
            unchanged=outcome.unchanged,
            rejected=len(outcome.rejected),
            warnings=len(outcome.warnings),
        )
        return outcome

    def _validate(
        self, records: Sequence[PractitionerRecord], outcome: BatchOutcome
    ) -> dict[str, tuple[PractitionerRecord, PractitionerDetails, frozenset[str]]]:
        """The valid rows keyed by external id, first come first kept, with the fields whose value
        was left out; the others go to ``outcome.rejected``."""
        valid: dict[str, tuple[PractitionerRecord, PractitionerDetails, frozenset[str]]] = {}
        for record in records:
            warnings: list[ValueWarning] = []
            try:
                details, kept = self._details(record, warnings)
                if details.external_id is None:
                    raise InvalidPractitioner("an imported practitioner needs an external_id", field="external_id")
            except RuleViolated as exc:
                outcome.rejected.append(Rejection(record.source, exc.field, exc.detail))
                continue
            if details.external_id in valid:
                first = valid[details.external_id][0].source
                outcome.rejected.append(
                    Rejection(record.source, "external_id", f"repeats the external_id of line {first.line}")
                )
                continue
            outcome.warnings.extend(warnings)
            valid[details.external_id] = (record, details, kept)
        return valid

    def _details(
        self, record: PractitionerRecord, warnings: list[ValueWarning]
    ) -> tuple[PractitionerDetails, frozenset[str]]:
        """The record's details, its optional values that break a rule left out (one warning
        each), and the names of the fields left out. Raises ``RuleViolated`` for another field."""
        given = record.practitioner
        kept: set[str] = set()
        while True:
            try:
                return build_details(given, self._context.phone_region), frozenset(kept)
            except RuleViolated as exc:
                lighter = _without(given, exc.field, record.optional)
                if lighter is None:
                    raise
                warnings.append(ValueWarning(record.source, exc.field, f"{exc.detail}: left out"))
                kept.add((exc.field or "").partition(".")[0])
                given = lighter


def _without(given: PractitionerInput, path: str | None, optional: frozenset[str]) -> PractitionerInput | None:
    """``given`` without the value at ``path`` when ``optional`` allows it (and there is a value
    to leave out), else ``None``."""
    if path is None or not optional:
        return None
    name, _, part = path.partition(".")
    if name == "organization" and given.organization is not None:
        if path in optional and part in {"phone", "address"}:
            if getattr(given.organization, part) is None:
                return None
            without: dict[str, Any] = {part: None}
            return replace(given, organization=replace(given.organization, **without))
        return replace(given, organization=None) if "organization" in optional else None
    if name not in optional or name not in OPTIONAL_FIELDS:
        return None
    empty: Any = _EMPTY.get(name)
    return None if getattr(given, name) == empty else replace(given, **{name: empty})
