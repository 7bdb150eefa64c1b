"""Errors of the patients context (codes ``patients.*``)."""

from prm.domain.shared.errors import Conflict, PatientNotFound, RuleViolated

__all__ = ["DuplicateMrn", "InvalidPatient", "PatientIsDeceased", "PatientIsMerged", "PatientNotFound"]


class DuplicateMrn(Conflict):
    code = "patients.duplicate_mrn"


class InvalidPatient(RuleViolated):
    code = "patients.invalid"


class PatientIsDeceased(RuleViolated):
    code = "patients.deceased"


class PatientIsMerged(Conflict):
    """The record was merged into another (status ``merged``): it is kept for history and undo and
    is not changed; change its survivor (the ``replaced-by`` link) instead."""

    code = "patients.merged"
