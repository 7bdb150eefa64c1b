"""Register a new practitioner for the caller's tenant."""

import structlog

from prm.application.practitioners.inputs import PractitionerInput, build_details
from prm.application.practitioners.ports import PractitionerRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.practitioners.errors import DuplicateExternalId, DuplicateLicense
from prm.domain.practitioners.model import Practitioner

log = structlog.get_logger(__name__)


class RegisterPractitioner:
    """Register a practitioner (reference API: ``POST /practitioners``).

    - Phones (``phone_primary``, ``organization.phone``) become E.164 in the tenant's phone
      region; the email is syntax-checked and normalised.
    - Raises ``DuplicateLicense`` / ``DuplicateExternalId`` (409) when another practitioner of
      the tenant has the license number / external id, ``RuleViolated`` (422) naming the field.
    - Records ``PractitionerRegistered`` in the outbox and a ``create`` audit event.
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

    async def __call__(self, given: PractitionerInput) -> Practitioner:
        details = build_details(given, self._context.phone_region)
        if (
            details.license_number
            and await self._practitioners.get_by_license_number(details.license_number) is not None
        ):
            raise DuplicateLicense("a practitioner with this license number already exists")
        if details.external_id and await self._practitioners.get_by_external_id(details.external_id) is not None:
            raise DuplicateExternalId("a practitioner with this external_id already exists")
        practitioner = Practitioner.register(tenant_id=self._context.tenant_id, details=details, now=self._clock.now())
        await self._practitioners.add(practitioner)
        await self._outbox.add(practitioner.events)
        await self._audit.record(AuditAction.CREATE, "practitioner", [practitioner.id])
        await self._uow.commit()
        log.info("practitioner.registered", practitioner_id=str(practitioner.id))
        return practitioner
