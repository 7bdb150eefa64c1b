"""Domain events of the organisations context; written to the outbox with the change that caused them.

The first field is the aggregate's id (the outbox keys on it). Events carry ids and field names,
never the values.
"""

from dataclasses import dataclass
from typing import ClassVar

from prm.domain.organizations.ids import OrganizationId
from prm.domain.shared.events import catalogue


@dataclass(frozen=True, slots=True)
class OrganizationCreated:
    TYPE: ClassVar[str] = "organization.created"
    VERSION: ClassVar[int] = 1

    organization_id: OrganizationId


@dataclass(frozen=True, slots=True)
class OrganizationUpdated:
    TYPE: ClassVar[str] = "organization.updated"
    VERSION: ClassVar[int] = 1

    organization_id: OrganizationId
    changed_fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OrganizationDeleted:
    TYPE: ClassVar[str] = "organization.deleted"
    VERSION: ClassVar[int] = 1

    organization_id: OrganizationId


CATALOGUE = catalogue(OrganizationCreated, OrganizationUpdated, OrganizationDeleted)
"""What this context publishes, by ``TYPE``."""
