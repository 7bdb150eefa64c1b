"""The organisation aggregate: a hospital or one of its departments (FHIR R4 Organization).

Modelled on FHIR R4 Organization (name, an identifier as ``code``, ``type``, ``partOf``,
``address``, ``telecom``, ``active``) and on PX360's hospitals and departments. Rules kept here:

- the name is required and not blank; texts fit their limits (``MAX_LENGTHS``, in characters),
  which are also the storage limits;
- the code is 1 to 64 letters, digits, ``_``, ``-`` or ``.`` starting with a letter or digit
  (``HOSP001``, ``DEPT_OPD``); it is unique per tenant whatever its case (``code_key``): the
  repository enforces it;
- the hierarchy (:func:`check_part_of`, :func:`check_children`): a department is part of a
  hospital or of another department; a hospital may stand alone or be part of another hospital
  (a group or network), never of a department; ``part_of`` names an organisation of the same
  tenant; no organisation is, directly or not, part of itself.

Phones are E.164 and emails normalised by the time they get here (the application does it with
the tenant's phone region).
"""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from prm.domain.organizations.errors import InvalidHierarchy, InvalidOrganization, OrganizationHasChildren
from prm.domain.organizations.events import OrganizationCreated, OrganizationDeleted, OrganizationUpdated
from prm.domain.organizations.ids import OrganizationId
from prm.domain.shared.contact import Address
from prm.domain.shared.ids import TenantId, new_id
from prm.domain.shared.text import fold

MAX_LENGTHS: Mapping[str, int] = {"name": 200, "code": 64, "phone": 32, "email": 320}
"""Longest accepted value of each text field, in characters."""

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
"""What a code looks like: ASCII letters and digits, ``_``, ``-`` and ``.``, not starting with punctuation."""

FHIR_ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
"""The FHIR code system the types map onto (:attr:`OrganizationType.fhir_code`)."""


class OrganizationType(StrEnum):
    """The kind of organisation, a code in the manner of FHIR's organization-type.

    PRM knows two: a ``hospital`` (FHIR ``prov``, a healthcare provider) and a ``department``
    (FHIR ``dept``, a hospital department).
    """

    HOSPITAL = "hospital"
    DEPARTMENT = "department"

    @property
    def fhir_code(self) -> str:
        """The code in :data:`FHIR_ORGANIZATION_TYPE`: ``prov`` or ``dept``."""
        return _FHIR_CODES[self]


_FHIR_CODES = {OrganizationType.HOSPITAL: "prov", OrganizationType.DEPARTMENT: "dept"}


class OrganizationStatus(StrEnum):
    """Whether the organisation is in use (FHIR ``Organization.active``)."""

    ACTIVE = "active"
    INACTIVE = "inactive"


def code_key(code: str) -> str:
    """The code as uniqueness and look-ups compare it: ``"Dept_OPD"`` and ``"DEPT_opd"`` are one code."""
    return code.strip().lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationDetails:
    """Everything about an organisation that a person can edit (all of it but id, tenant and audit).

    Raises :class:`InvalidOrganization`, naming the field, when a rule of the module docstring is
    broken, and :class:`InvalidHierarchy` (``part_of``) for a department that is part of nothing.
    """

    name: str
    code: str
    type: OrganizationType
    part_of: OrganizationId | None = None
    address: Address | None = None
    phone: str | None = None
    email: str | None = None
    status: OrganizationStatus = OrganizationStatus.ACTIVE

    def __post_init__(self) -> None:
        for name, limit in MAX_LENGTHS.items():
            value: str | None = getattr(self, name)
            if value is None:
                continue
            if not value.strip():
                raise InvalidOrganization(f"{name} must not be blank", field=name)
            if len(value) > limit:
                raise InvalidOrganization(f"{name} is longer than {limit} characters", field=name)
        if not CODE_PATTERN.match(self.code):
            raise InvalidOrganization(
                "code may hold letters, digits, '_', '-' and '.' only, starting with a letter or digit", field="code"
            )
        if not isinstance(self.type, OrganizationType):
            raise InvalidOrganization("type must be hospital or department", field="type")
        if not isinstance(self.status, OrganizationStatus):
            raise InvalidOrganization("status must be active or inactive", field="status")
        if self.type is OrganizationType.DEPARTMENT and self.part_of is None:
            raise InvalidHierarchy("a department must be part of a hospital or of another department", field="part_of")

    @property
    def code_key(self) -> str:
        return code_key(self.code)

    @property
    def sort_key(self) -> str:
        """The folded name: lists are ordered by it."""
        return fold(self.name)

    @property
    def city(self) -> str | None:
        return self.address.city if self.address is not None else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParentOrganization:
    """A would-be parent as the hierarchy rules see it: its id, its type and the ids of the
    organisations it is part of, nearest first (up to the top of its hierarchy)."""

    id: OrganizationId
    type: OrganizationType
    ancestors: tuple[OrganizationId, ...] = ()


def check_part_of(
    organization_id: OrganizationId, details: OrganizationDetails, parent: ParentOrganization | None
) -> None:
    """Raise :class:`InvalidHierarchy` (``part_of``) unless ``details`` may sit under ``parent``.

    ``parent`` is what the tenant has under ``details.part_of`` (``None`` when it has nothing by
    that id). Refused: an unknown parent, the organisation itself or one of the organisations
    below it as parent (a cycle), a hospital inside a department.
    """
    if details.part_of is None:
        return
    if parent is None or parent.id != details.part_of:
        raise InvalidHierarchy(f"part_of: no organization {details.part_of} in this tenant", field="part_of")
    if parent.id == organization_id or organization_id in parent.ancestors:
        raise InvalidHierarchy(
            "an organization cannot be part of itself or of one of its own departments", field="part_of"
        )
    if details.type is OrganizationType.HOSPITAL and parent.type is OrganizationType.DEPARTMENT:
        raise InvalidHierarchy("a hospital cannot be part of a department", field="part_of")


def check_children(details: OrganizationDetails, child_types: Collection[OrganizationType]) -> None:
    """Raise :class:`InvalidHierarchy` (``type``) when ``details`` is a department and one of the
    organisations directly part of it (of types ``child_types``) is a hospital."""
    if details.type is OrganizationType.DEPARTMENT and OrganizationType.HOSPITAL in child_types:
        raise InvalidHierarchy("a hospital is part of this organization: it cannot become a department", field="type")


@dataclass(kw_only=True, eq=False)
class Organization:
    """A hospital or department of the tenant (FHIR R4 Organization)."""

    id: OrganizationId
    tenant_id: TenantId
    details: OrganizationDetails
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        tenant_id: TenantId,
        details: OrganizationDetails,
        parent: ParentOrganization | None,
        now: datetime,
        organization_id: OrganizationId | None = None,
    ) -> "Organization":
        """A new organisation at version 1 under ``parent`` (what the tenant has under
        ``details.part_of``); records :class:`OrganizationCreated`. Raises :class:`InvalidHierarchy`
        as :func:`check_part_of` does."""
        new = organization_id or OrganizationId(new_id())
        check_part_of(new, details, parent)
        organization = cls(id=new, tenant_id=tenant_id, details=details, version=1, created_at=now, updated_at=now)
        organization.events.append(OrganizationCreated(organization.id))
        return organization

    @property
    def name(self) -> str:
        return self.details.name

    @property
    def type(self) -> OrganizationType:
        return self.details.type

    @property
    def part_of(self) -> OrganizationId | None:
        return self.details.part_of

    def moves(self, changes: Mapping[str, object]) -> bool:
        """Whether ``changes`` touch the organisation's place in the hierarchy (its parent or type),
        so that :meth:`revise` needs the new parent and the children's types."""
        return any(name in changes and changes[name] != getattr(self.details, name) for name in ("part_of", "type"))

    def revise(
        self,
        now: datetime,
        changes: Mapping[str, object],
        *,
        parent: ParentOrganization | None = None,
        child_types: Collection[OrganizationType] = (),
    ) -> tuple[str, ...]:
        """Apply ``changes`` (``OrganizationDetails`` field names), returning the names that changed.

        When the parent or the type changes (:meth:`moves`), ``parent`` must be what the tenant
        has under the new ``part_of`` and ``child_types`` the types of the organisations directly
        part of this one; the hierarchy rules are checked against them. A revision that changes
        something bumps the version and records :class:`OrganizationUpdated` (field names only).
        Raises :class:`InvalidOrganization` / :class:`InvalidHierarchy`, leaving the organisation
        untouched, when the result breaks a rule.
        """
        unknown = set(changes) - set(OrganizationDetails.__dataclass_fields__)
        if unknown:
            raise InvalidOrganization(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        candidate = replace(self.details, **changes)  # type: ignore[arg-type]
        changed = tuple(name for name in changes if getattr(candidate, name) != getattr(self.details, name))
        if not changed:
            return ()
        if self.moves(changes):
            check_part_of(self.id, candidate, parent)
            check_children(candidate, child_types)
        self.details = candidate
        self.updated_at = now
        self.version += 1
        self.events.append(OrganizationUpdated(self.id, changed))
        return changed

    def delete(self, *, has_children: bool) -> None:
        """Mark the organisation for permanent removal; records :class:`OrganizationDeleted`.

        Raises :class:`OrganizationHasChildren` when departments (or other organisations) are
        still part of it: they must be moved or deleted first.
        """
        if has_children:
            raise OrganizationHasChildren(f"organization {self.id} still has departments: move or delete them first")
        self.events.append(OrganizationDeleted(self.id))
