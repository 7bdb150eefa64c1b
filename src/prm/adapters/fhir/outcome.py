"""FHIR R4 ``OperationOutcome`` for errors (https://hl7.org/fhir/R4/operationoutcome.html)."""

from typing import Any

ISSUE_CODES = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    410: "deleted",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
    503: "transient",
}
"""HTTP status → ``issue.code`` (value set http://hl7.org/fhir/issue-type); anything else is ``exception``."""


def operation_outcome(status: int, diagnostics: str, *, code: str | None = None) -> dict[str, Any]:
    """One ``error`` issue (``fatal`` for a 5xx) with ``diagnostics``; ``code`` (PRM's stable
    problem code, such as ``http.validation_failed``) goes in ``issue.details.text``."""
    issue: dict[str, Any] = {
        "severity": "fatal" if status >= 500 else "error",
        "code": ISSUE_CODES.get(status, "exception"),
        "diagnostics": diagnostics,
    }
    if code:
        issue["details"] = {"text": code}
    return {"resourceType": "OperationOutcome", "issue": [issue]}
