"""Wire types of the FHIR R4 interface, for the OpenAPI document (the answers themselves are
FHIR JSON built by :mod:`prm.adapters.fhir`)."""

from typing import Any

import msgspec

FHIR_JSON = "application/fhir+json"
"""The FHIR JSON media type (FHIR R4 http.html#mime-type)."""


class OperationOutcomeIssueDetails(msgspec.Struct, frozen=True):
    text: str


class OperationOutcomeIssue(msgspec.Struct, frozen=True, omit_defaults=True):
    """``severity`` error or fatal, ``code`` from http://hl7.org/fhir/issue-type, ``diagnostics`` in
    plain words, ``details.text`` PRM's stable problem code."""

    severity: str
    code: str
    diagnostics: str
    details: OperationOutcomeIssueDetails | None = None


class OperationOutcome(msgspec.Struct, frozen=True, rename={"resource_type": "resourceType"}):
    """A FHIR R4 OperationOutcome: how a FHIR request failed."""

    resource_type: str
    issue: list[OperationOutcomeIssue]


def fhir_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI ``responses`` entries for the OperationOutcome statuses a FHIR route may return."""
    from litestar.openapi.datastructures import ResponseSpec

    descriptions = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        410: "Gone",
        412: "Precondition Failed",
        422: "Unprocessable Content",
        429: "Too Many Requests",
    }
    return {
        status: ResponseSpec(
            data_container=OperationOutcome, description=descriptions.get(status, "Error"), media_type=FHIR_JSON
        )
        for status in statuses
    }
