"""Errors of the patients context (codes ``patients.*``)."""

from prm.domain.shared.errors import Conflict, PatientNotFound, RuleViolated

__all__ = ["DuplicateMrn", "InvalidPatient", "PatientIsDeceased", "PatientNotFound"]


class DuplicateMrn(Conflict):
    code = "patients.duplicate_mrn"


class InvalidPatient(RuleViolated):
    code = "patients.invalid"


class PatientIsDeceased(RuleViolated):
    code = "patients.deceased"
