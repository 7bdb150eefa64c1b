"""Errors of the patients context (codes ``patients.*``)."""

from prm.domain.shared.errors import Conflict, NotFound, RuleViolated


class PatientNotFound(NotFound):
    code = "patients.not_found"


class DuplicateMrn(Conflict):
    code = "patients.duplicate_mrn"


class InvalidPatient(RuleViolated):
    code = "patients.invalid"


class PatientIsDeceased(RuleViolated):
    code = "patients.deceased"
