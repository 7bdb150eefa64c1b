"""Change a caregiver (``PATCH /patients/{id}/caregivers/{caregiver_id}``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from prm.application.caregivers.add_caregiver import ENTITY
from prm.application.caregivers.get_caregiver import existing
from prm.application.caregivers.inputs import normalize_changes
from prm.application.caregivers.ports import CaregiverRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.caregivers.model import Caregiver
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateCaregiverCommand:
    """``changes`` maps ``CaregiverInput`` field names to new values (raw, as typed; ``telecom``
    is replaced whole, ``None`` clears an optional field). ``expected_version`` (``If-Match`` or
    the body) makes the update conditional."""

    patient_id: PatientId
    caregiver_id: CaregiverId
    changes: Mapping[str, object] = field(default_factory=dict)
    expected_version: int | None = None


class UpdateCaregiver:
    """Partial update with optimistic concurrency.

    Raises ``CaregiverNotFound`` (404), ``StaleVersion`` (409), ``RuleViolated`` (422) naming
    the field (the rules of ``AddCaregiver``, checked on the result). Records ``CaregiverUpdated``
    and an ``update`` audit event naming the fields that changed; a change that changes nothing
    leaves the version as it is.
    """

    def __init__(
        self,
        caregivers: CaregiverRepository,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._caregivers = caregivers
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, command: UpdateCaregiverCommand) -> Caregiver:
        changes = normalize_changes(command.changes, self._context.phone_region)
        caregiver = await existing(self._caregivers, command.patient_id, command.caregiver_id)
        if command.expected_version is not None and command.expected_version != caregiver.version:
            raise StaleVersion(
                f"caregiver {caregiver.id} is at version {caregiver.version}, not {command.expected_version}: "
                "reload it and apply the change again"
            )
        version = caregiver.version
        changed = caregiver.revise(self._clock.now(), changes)
        if changed:
            await self._caregivers.save(caregiver, expected_version=version)
            await self._outbox.add(caregiver.events)
            await self._audit.record(AuditAction.UPDATE, ENTITY, [caregiver.id], list(changed))
            await self._uow.commit()
            log.info("caregiver.updated", caregiver_id=str(caregiver.id), version=caregiver.version)
        return caregiver
