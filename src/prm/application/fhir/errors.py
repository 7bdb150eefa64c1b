"""Errors of the FHIR R4 write interface (codes ``fhir.*``)."""

from prm.domain.shared.errors import Conflict, DomainError, RuleViolated


class InvalidResource(RuleViolated):
    """A FHIR resource that breaks FHIR R4's structure or PRM's rules (HTTP 422); ``field`` is
    the FHIRPath of the element at fault (``Patient.birthDate``)."""

    code = "fhir.invalid_resource"


class UnsupportedInteraction(RuleViolated):
    """A Bundle entry asks for something PRM's FHIR interface does not do (a DELETE, a
    conditional update, a resource type PRM cannot write this way)."""

    code = "fhir.unsupported"


class MultipleMatches(Conflict):
    """A conditional create's criteria match more than one resource (FHIR R4 http.html#ccreate:
    HTTP 412 Precondition Failed)."""

    code = "fhir.multiple_matches"


class BundleEntryFailed(DomainError):
    """Entry ``index`` of a transaction Bundle failed with ``cause``: nothing of the Bundle is
    written (FHIR R4 http.html#transaction). Rendered with the status of ``cause``."""

    code = "fhir.transaction_failed"

    def __init__(self, index: int, cause: DomainError) -> None:
        super().__init__(f"Bundle.entry[{index}]: {cause.detail}")
        self.index = index
        self.cause = cause
