"""Errors of the practitioners context (codes ``practitioners.*``)."""

from prm.domain.shared.errors import Conflict, PractitionerNotFound, RuleViolated

__all__ = ["DuplicateExternalId", "DuplicateLicense", "InvalidPractitioner", "PractitionerNotFound"]


class DuplicateLicense(Conflict):
    """Another practitioner of the tenant holds this license number (HTTP 409)."""

    code = "practitioners.duplicate_license"


class DuplicateExternalId(Conflict):
    """Another practitioner of the tenant has this source-system id (HTTP 409)."""

    code = "practitioners.duplicate_external_id"


class InvalidPractitioner(RuleViolated):
    """The practitioner's details break a rule of :mod:`prm.domain.practitioners.model` (HTTP 422)."""

    code = "practitioners.invalid"
