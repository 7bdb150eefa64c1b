"""Remove an organisation for good (``DELETE /organizations/{id}``)."""

import structlog

from prm.application.organizations.create_organization import ENTITY
from prm.application.organizations.ports import OrganizationRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import Outbox, UnitOfWork
from prm.domain.organizations.errors import OrganizationNotFound
from prm.domain.organizations.ids import OrganizationId
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


class DeleteOrganization:
    """Delete an organisation permanently (to keep the record, set ``status`` to ``inactive``).

    ``expected_version`` (from ``If-Match``) makes the deletion conditional. Raises
    ``OrganizationNotFound`` (404), ``StaleVersion`` (409) and ``OrganizationHasChildren`` (409)
    while departments are still part of it. Records ``OrganizationDeleted`` and a ``delete`` audit
    event.
    """

    def __init__(
        self, organizations: OrganizationRepository, outbox: Outbox, uow: UnitOfWork, audit: AuditTrail
    ) -> None:
        self._organizations = organizations
        self._outbox = outbox
        self._uow = uow
        self._audit = audit

    async def __call__(self, organization_id: OrganizationId, *, expected_version: int | None = None) -> None:
        organization = await self._organizations.get(organization_id)
        if organization is None:
            raise OrganizationNotFound(f"organization {organization_id} not found")
        if expected_version is not None and expected_version != organization.version:
            raise StaleVersion(
                f"organization {organization.id} is at version {organization.version}, "
                f"not {expected_version}: reload it before deleting it"
            )
        organization.delete(has_children=bool(await self._organizations.child_types(organization.id)))
        await self._organizations.remove(organization)
        await self._outbox.add(organization.events)
        await self._audit.record(AuditAction.DELETE, ENTITY, [organization.id])
        await self._uow.commit()
        log.info("organization.deleted", organization_id=str(organization.id))
