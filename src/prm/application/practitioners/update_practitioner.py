"""Change some of a practitioner's details (reference API: ``PATCH /practitioners/{id}``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from prm.application.practitioners.inputs import normalize_changes
from prm.application.practitioners.ports import PractitionerRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.practitioners.errors import DuplicateExternalId, DuplicateLicense, PractitionerNotFound
from prm.domain.practitioners.events import PractitionerUpdated
from prm.domain.practitioners.model import Practitioner
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PractitionerId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdatePractitionerCommand:
    """``changes`` maps ``PractitionerInput`` field names to new values (raw, as typed); absent
    fields stay as they are. ``address``, ``organization`` and ``meta_data`` are replaced whole.
    ``expected_version`` (from ``If-Match`` or the body) makes the update conditional."""

    practitioner_id: PractitionerId
    changes: Mapping[str, object] = field(default_factory=dict)
    expected_version: int | None = None


class UpdatePractitioner:
    """Partial update with optimistic concurrency.

    Raises ``PractitionerNotFound`` (404), ``StaleVersion`` (409) when ``expected_version`` is not
    the current one, ``DuplicateLicense`` / ``DuplicateExternalId`` (409), ``RuleViolated`` (422)
    naming the field. Records ``PractitionerUpdated`` with the names (never the values) of the
    fields that changed, and an ``update`` audit event naming them; an update that changes nothing
    leaves the version as it is.
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

    async def __call__(self, command: UpdatePractitionerCommand) -> Practitioner:
        changes = normalize_changes(command.changes, self._context.phone_region)
        practitioner = await self._practitioners.get(command.practitioner_id)
        if practitioner is None:
            raise PractitionerNotFound(f"practitioner {command.practitioner_id} not found")
        if command.expected_version is not None and command.expected_version != practitioner.version:
            raise StaleVersion(
                f"practitioner {practitioner.id} is at version {practitioner.version}, "
                f"not {command.expected_version}: reload it and apply the change again"
            )
        await self._refuse_taken_keys(practitioner, changes)
        version = practitioner.version
        if practitioner.revise(self._clock.now(), **changes):
            await self._practitioners.save(practitioner, expected_version=version)
            await self._outbox.add(practitioner.events)
            changed = [f for e in practitioner.events if isinstance(e, PractitionerUpdated) for f in e.changed_fields]
            await self._audit.record(
                AuditAction.UPDATE, "practitioner", [practitioner.id], list(dict.fromkeys(changed))
            )
            await self._uow.commit()
            log.info("practitioner.updated", practitioner_id=str(practitioner.id), version=practitioner.version)
        return practitioner

    async def _refuse_taken_keys(self, practitioner: Practitioner, changes: Mapping[str, object]) -> None:
        license_number = changes.get("license_number")
        if isinstance(license_number, str) and license_number != practitioner.details.license_number:
            holder = await self._practitioners.get_by_license_number(license_number)
            if holder is not None and holder.id != practitioner.id:
                raise DuplicateLicense("a practitioner with this license number already exists")
        external_id = changes.get("external_id")
        if isinstance(external_id, str) and external_id != practitioner.details.external_id:
            holder = await self._practitioners.get_by_external_id(external_id)
            if holder is not None and holder.id != practitioner.id:
                raise DuplicateExternalId("a practitioner with this external_id already exists")
