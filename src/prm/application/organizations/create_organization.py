"""Create a hospital or department for the caller's tenant."""

import structlog

from prm.application.organizations.inputs import OrganizationInput, build_details
from prm.application.organizations.ports import OrganizationRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.organizations.errors import DuplicateOrganizationCode
from prm.domain.organizations.model import Organization

log = structlog.get_logger(__name__)

ENTITY = "organization"
"""The audit trail's name for an organisation."""


class CreateOrganization:
    """Create an organisation (``POST /organizations``).

    - The phone becomes E.164 in the tenant's phone region; the email is syntax-checked and
      normalised.
    - Raises ``DuplicateOrganizationCode`` (409) when another organisation of the tenant has the
      code in any case, ``InvalidHierarchy`` (422, ``part_of``) for a department without a parent,
      a parent the tenant does not have or a hospital inside a department, ``RuleViolated`` (422)
      naming the field.
    - Records ``OrganizationCreated`` in the outbox and a ``create`` audit event.
    """

    def __init__(
        self,
        organizations: OrganizationRepository,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
        audit: AuditTrail,
    ) -> None:
        self._organizations = organizations
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._context = context
        self._audit = audit

    async def __call__(self, given: OrganizationInput) -> Organization:
        details = build_details(given, self._context.phone_region)
        if await self._organizations.get_by_code(details.code) is not None:
            raise DuplicateOrganizationCode(f"an organization with code {details.code!r} already exists")
        parent = await self._organizations.parent(details.part_of) if details.part_of is not None else None
        organization = Organization.create(
            tenant_id=self._context.tenant_id, details=details, parent=parent, now=self._clock.now()
        )
        await self._organizations.add(organization)
        await self._outbox.add(organization.events)
        await self._audit.record(AuditAction.CREATE, ENTITY, [organization.id])
        await self._uow.commit()
        log.info("organization.created", organization_id=str(organization.id), type=organization.type.value)
        return organization
