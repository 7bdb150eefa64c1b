"""Errors of the tags context (codes ``tags.*``)."""

from prm.domain.shared.errors import Conflict, NotFound, RuleViolated


class TagNotFound(NotFound):
    """No tag with this id in the caller's tenant (HTTP 404)."""

    code = "tags.not_found"


class TaggedEntityNotFound(NotFound):
    """No patient, appointment, ticket or journey with this id in the caller's tenant (HTTP 404)."""

    code = "tags.entity_not_found"


class DuplicateTagName(Conflict):
    """Another tag of the tenant has this name, in any case or accent (HTTP 409)."""

    code = "tags.duplicate_name"


class InvalidTag(RuleViolated):
    """The tag's details break a rule of :mod:`prm.domain.tags.model` (HTTP 422, naming the field)."""

    code = "tags.invalid"
