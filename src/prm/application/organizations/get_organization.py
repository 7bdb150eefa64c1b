"""Read one organisation by id."""

from prm.application.organizations.create_organization import ENTITY
from prm.application.organizations.ports import OrganizationRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.ports import UnitOfWork
from prm.domain.organizations.errors import OrganizationNotFound
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization


class GetOrganization:
    """One organisation of the caller's tenant; raises ``OrganizationNotFound`` (404), also for
    other tenants' ids. Records a ``read`` audit event and commits it."""

    def __init__(self, organizations: OrganizationRepository, audit: AuditTrail, uow: UnitOfWork) -> None:
        self._organizations = organizations
        self._audit = audit
        self._uow = uow

    async def __call__(self, organization_id: OrganizationId) -> Organization:
        organization = await self._organizations.get(organization_id)
        if organization is None:
            raise OrganizationNotFound(f"organization {organization_id} not found")
        await self._audit.record(AuditAction.READ, ENTITY, [organization.id])
        await self._uow.commit()
        return organization
