"""Errors of the patients context (codes ``patients.*``)."""

from prm.domain.shared.errors import Conflict, PatientNotFound, RuleViolated
from prm.domain.shared.ids import PatientId

__all__ = [
    "DuplicateMrn",
    "InvalidPatient",
    "PatientIsDeceased",
    "PatientIsMerged",
    "PatientNotFound",
    "PatientReplaced",
]


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


class PatientReplaced(Conflict):
    """A read of a merged record's own history (its timeline, its conversations): what it had now
    belongs to ``survivor_id`` (its ``replaced-by`` link), so the read is asked again there. The
    HTTP API answers ``307`` to the survivor's same path; left uncaught it is a 409."""

    code = "patients.replaced"

    def __init__(self, detail: str, *, survivor_id: PatientId) -> None:
        super().__init__(detail)
        self.survivor_id = survivor_id
