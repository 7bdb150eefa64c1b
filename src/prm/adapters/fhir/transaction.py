"""FHIR R4 ``transaction`` / ``batch`` Bundles in, ``transaction-response`` / ``batch-response``
out (FHIR R4 http.html#transaction, bundle.html).

Entries read: ``POST Patient`` (with ``request.ifNoneExist: identifier=system|value`` as a
conditional create) and ``PUT Patient/{id}`` (with ``request.ifMatch``). Entries of resource
types PRM does not keep this way (Encounter, Observation, Claim, Practitioner ... as in Synthea's
per-patient Bundles) are skipped: their response entry carries an ``information`` issue. Such
entries may refer to the Bundle's Patient by its ``urn:uuid:`` fullUrl; the response gives that
fullUrl's entry the ``location`` of the patient PRM created or found.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from prm.adapters.fhir.outcome import ISSUE_CODES
from prm.adapters.fhir.patient import instant, patient_resource
from prm.adapters.fhir.patient_in import identifier_token, patient_input
from prm.application.fhir.apply_fhir_bundle import FhirBundleEntry, FhirEntryOutcome
from prm.application.fhir.create_fhir_patient import CreateFhirPatientCommand
from prm.application.fhir.errors import InvalidResource, UnsupportedInteraction
from prm.application.fhir.update_fhir_patient import UpdateFhirPatientCommand
from prm.domain.patients.errors import PatientNotFound
from prm.domain.shared.errors import DomainError, RuleViolated
from prm.domain.shared.ids import PatientId

BUNDLE_TYPES = {"transaction": "transaction-response", "batch": "batch-response"}
_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}
_REASONS |= {412: "Precondition Failed", 422: "Unprocessable Entity"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadBundle:
    """A Bundle as read: ``type`` ``transaction`` or ``batch``, its entries in order."""

    type: str
    entries: list[FhirBundleEntry]


def read_bundle(document: object, *, leave_out_bad_telecom: bool = True) -> ReadBundle:
    """Read a transaction or batch Bundle. Raises :class:`InvalidResource` for a document that is
    not one (naming ``Bundle.type``, ``Bundle.entry`` ...); an entry that cannot be read becomes an
    entry with its ``error`` (a transaction fails on it, a batch answers it alone)."""
    if not isinstance(document, Mapping) or document.get("resourceType") != "Bundle":
        raise InvalidResource("the body must be a FHIR Bundle", field="Bundle.resourceType")
    kind = document.get("type")
    if kind not in BUNDLE_TYPES:
        raise InvalidResource("Bundle.type must be transaction or batch", field="Bundle.type")
    raw_entries = document.get("entry") or []
    if not isinstance(raw_entries, list):
        raise InvalidResource("entry must be an array", field="Bundle.entry")
    entries = []
    for index, raw in enumerate(raw_entries):
        try:
            entries.append(_entry(index, raw, leave_out_bad_telecom))
        except DomainError as exc:
            if isinstance(exc, RuleViolated) and exc.field and not exc.field.startswith("Bundle."):
                exc = InvalidResource(exc.detail, field=f"Bundle.entry[{index}].resource.{exc.field}")
            entries.append(FhirBundleEntry(index=index, resource_type=_type_of(raw), error=exc))
    return ReadBundle(type=str(kind), entries=entries)


def _type_of(raw: object) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("resource"), Mapping):
        return str(raw["resource"].get("resourceType") or "")
    return ""


def _entry(index: int, raw: object, lenient: bool) -> FhirBundleEntry:
    where = f"Bundle.entry[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidResource("an entry must be an object", field=where)
    request = raw.get("request")
    if not isinstance(request, Mapping):
        raise InvalidResource("a transaction or batch entry needs a request", field=f"{where}.request")
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not isinstance(url, str) or not url.strip():
        raise InvalidResource("request needs a method and a url", field=f"{where}.request")
    resource = raw.get("resource")
    resource_type = _type_of(raw) or url.strip().split("/")[0].split("?")[0]
    if resource_type != "Patient":
        return FhirBundleEntry(index=index, resource_type=resource_type)
    path = url.strip().removeprefix("/").split("?")[0].split("/")
    if method == "POST" and path == ["Patient"]:
        given = patient_input(resource)
        if_none_exist = request.get("ifNoneExist")
        token = None
        if isinstance(if_none_exist, str) and if_none_exist.strip():
            token = identifier_token(if_none_exist)
        command = CreateFhirPatientCommand(
            patient=given.patient, match_identifier=token, active=given.active, leave_out_bad_telecom=lenient
        )
        return FhirBundleEntry(index=index, resource_type="Patient", create=command)
    if method == "PUT" and len(path) == 2 and path[0] == "Patient" and "?" not in url:
        given = patient_input(resource)
        patient_id = _uuid(path[1])
        if given.id is not None and given.id != path[1]:
            raise InvalidResource("the resource id differs from the id in request.url", field=f"{where}.resource.id")
        if_match = request.get("ifMatch")
        update = UpdateFhirPatientCommand(
            patient_id=patient_id,
            patient=given.patient,
            active=given.active,
            expected_version=_version(if_match, where),
        )
        return FhirBundleEntry(index=index, resource_type="Patient", update=update)
    raise UnsupportedInteraction(
        f"{method} {url[:80]}: PRM's Bundles take POST Patient and PUT Patient/{{id}}", field=f"{where}.request"
    )


def _version(if_match: object, where: str) -> int | None:
    """The version of ``request.ifMatch`` (``W/"3"``); ``None`` when absent."""
    if if_match is None:
        return None
    text = str(if_match).strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 18:
        raise InvalidResource('ifMatch must be an ETag such as W/"3"', field=f"{where}.request.ifMatch")
    return int(text)


def _uuid(text: str) -> PatientId:
    try:
        return PatientId(UUID(text))
    except ValueError:
        raise PatientNotFound(f"patient {text[:64]} not found") from None


def response_bundle(
    kind: str,
    outcomes: Sequence[FhirEntryOutcome],
    *,
    base_url: str,
    now: datetime,
    status_of: Callable[[DomainError], int],
    expression_of: Callable[[DomainError], str | None],
) -> dict[str, Any]:
    """The ``transaction-response`` or ``batch-response`` Bundle: one entry per request entry, in
    order, with ``response.status`` (``201 Created``, ``200 OK``, or the error's), ``location``
    ``Patient/{id}/_history/{version}``, ``etag``, ``lastModified``, the resource, and an
    ``outcome`` for skipped entries, warnings and errors."""
    entries = []
    for outcome in outcomes:
        entry: dict[str, Any] = {}
        response: dict[str, Any]
        if outcome.written is not None:
            patient = outcome.written.patient
            resource = patient_resource(patient)
            entry["fullUrl"] = f"{base_url}/Patient/{patient.id}"
            entry["resource"] = resource
            response = {
                "status": _status(201 if outcome.written.created else 200),
                "location": f"Patient/{patient.id}/_history/{patient.version}",
                "etag": f'W/"{patient.version}"',
                "lastModified": instant(patient.updated_at),
            }
            if outcome.written.warnings:
                response["outcome"] = _outcome([("warning", "value", w, None) for w in outcome.written.warnings])
        elif outcome.error is not None:
            status = status_of(outcome.error)
            issue = ("error", ISSUE_CODES.get(status, "exception"), outcome.error.detail, expression_of(outcome.error))
            response = {"status": _status(status), "outcome": _outcome([issue])}
        else:
            resource_type = outcome.resource_type or "this resource"
            text = f"{resource_type} is not written by PRM's Bundles: skipped"
            if resource_type == "Practitioner":
                text += " (prm import fhir imports practitioners)"
            response = {"status": _status(200), "outcome": _outcome([("information", "informational", text, None)])}
        entry["response"] = response
        entries.append(entry)
    return {"resourceType": "Bundle", "type": BUNDLE_TYPES[kind], "timestamp": instant(now), "entry": entries}


def _status(code: int) -> str:
    return f"{code} {_REASONS.get(code, '')}".strip()


def _outcome(issues: Sequence[tuple[str, str, str, str | None]]) -> dict[str, Any]:
    rendered = []
    for severity, code, diagnostics, expression in issues:
        issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
        if expression:
            issue["expression"] = [expression]
        rendered.append(issue)
    return {"resourceType": "OperationOutcome", "issue": rendered}
