"""Errors of the organisations context (codes ``organizations.*``)."""

from prm.domain.shared.errors import Conflict, NotFound, RuleViolated


class OrganizationNotFound(NotFound):
    """No organisation with this id in the caller's tenant (HTTP 404)."""

    code = "organizations.not_found"


class DuplicateOrganizationCode(Conflict):
    """Another organisation of the tenant has this code, in any case (HTTP 409)."""

    code = "organizations.duplicate_code"


class OrganizationHasChildren(Conflict):
    """The organisation still has departments (or other organisations part of it) (HTTP 409)."""

    code = "organizations.has_children"


class HierarchyChanged(Conflict):
    """Someone changed the hierarchy at the same moment (a parent deleted, a child added) (HTTP 409)."""

    code = "organizations.hierarchy_changed"


class InvalidOrganization(RuleViolated):
    """The organisation's details break a rule of :mod:`prm.domain.organizations.model` (HTTP 422)."""

    code = "organizations.invalid"


class InvalidHierarchy(RuleViolated):
    """``part_of`` (or ``type``) would break the hierarchy: a department without a parent, a
    hospital inside a department, a parent unknown to the tenant, a cycle (HTTP 422)."""

    code = "organizations.invalid_hierarchy"
