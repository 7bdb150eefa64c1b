"""Errors of the caregivers context (codes ``caregivers.*``)."""

from prm.domain.shared.errors import NotFound, RuleViolated


class CaregiverNotFound(NotFound):
    """No caregiver with this id for this patient in the caller's tenant (HTTP 404)."""

    code = "caregivers.not_found"


class InvalidCaregiver(RuleViolated):
    """The caregiver's details break a rule of :mod:`prm.domain.caregivers.model` (HTTP 422, naming the field)."""

    code = "caregivers.invalid"
