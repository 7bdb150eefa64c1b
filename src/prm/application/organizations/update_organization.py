"""Change some of an organisation's details (``PATCH /organizations/{id}``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

import structlog

from prm.application.organizations.create_organization import ENTITY
from prm.application.organizations.inputs import normalize_changes
from prm.application.organizations.ports import OrganizationRepository
from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.organizations.errors import DuplicateOrganizationCode, OrganizationNotFound
from prm.domain.organizations.ids import OrganizationId
from prm.domain.organizations.model import Organization, OrganizationType, code_key
from prm.domain.shared.errors import StaleVersion

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateOrganizationCommand:
    """``changes`` maps ``OrganizationInput`` field names to new values (raw, as typed); absent
    fields stay as they are; ``address`` is replaced whole. ``expected_version`` (from
    ``If-Match`` or the body) makes the update conditional."""

    organization_id: OrganizationId
    changes: Mapping[str, object] = field(default_factory=dict)
    expected_version: int | None = None


class UpdateOrganization:
    """Partial update with optimistic concurrency.

    Raises ``OrganizationNotFound`` (404), ``StaleVersion`` (409) when ``expected_version`` is not
    the current one, ``DuplicateOrganizationCode`` (409), ``InvalidHierarchy`` (422) when the new
    ``part_of`` or ``type`` breaks the hierarchy (a cycle, a hospital inside a department, a
    department with a hospital part of it), ``RuleViolated`` (422) naming the field. Records
    ``OrganizationUpdated`` with the names (never the values) of the fields that changed, and an
    ``update`` audit event naming them; an update that changes nothing leaves the version as it is.
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

    async def __call__(self, command: UpdateOrganizationCommand) -> Organization:
        changes = normalize_changes(command.changes, self._context.phone_region)
        organization = await self._organizations.get(command.organization_id)
        if organization is None:
            raise OrganizationNotFound(f"organization {command.organization_id} not found")
        if command.expected_version is not None and command.expected_version != organization.version:
            raise StaleVersion(
                f"organization {organization.id} is at version {organization.version}, "
                f"not {command.expected_version}: reload it and apply the change again"
            )
        await self._refuse_a_taken_code(organization, changes)
        parent, child_types = None, frozenset[OrganizationType]()
        if organization.moves(changes):
            part_of = changes.get("part_of", organization.part_of)
            parent = await self._organizations.parent(OrganizationId(part_of)) if isinstance(part_of, UUID) else None
            child_types = await self._organizations.child_types(organization.id)
        version = organization.version
        changed = organization.revise(self._clock.now(), changes, parent=parent, child_types=child_types)
        if changed:
            await self._organizations.save(organization, expected_version=version)
            await self._outbox.add(organization.events)
            await self._audit.record(AuditAction.UPDATE, ENTITY, [organization.id], list(changed))
            await self._uow.commit()
            log.info("organization.updated", organization_id=str(organization.id), version=organization.version)
        return organization

    async def _refuse_a_taken_code(self, organization: Organization, changes: Mapping[str, object]) -> None:
        code = changes.get("code")
        if isinstance(code, str) and code_key(code) != organization.details.code_key:
            holder = await self._organizations.get_by_code(code)
            if holder is not None and holder.id != organization.id:
                raise DuplicateOrganizationCode(f"an organization with code {code!r} already exists")
