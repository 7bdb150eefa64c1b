"""FHIR R4 ``CapabilityStatement`` of PRM's FHIR interface (https://hl7.org/fhir/R4/capabilitystatement.html)."""

from datetime import datetime
from typing import Any

from prm.adapters.fhir import communication, consent, episode_of_care, related_person
from prm.adapters.fhir.patient import instant

FHIR_VERSION = "4.0.1"

PRACTITIONER_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("identifier", "token", "The license number or source-system id: value or system|value"),
    ("name", "string", "Every word the start of a first, middle or last name (any case or accent)"),
    ("family", "string", "As name"),
    ("given", "string", "As name"),
    ("active", "token", "true | false"),
)

PATIENT_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("identifier", "token", "An identifier: value (the MRN or any identifier's value) or system|value"),
    ("name", "string", "Every word a prefix of a given or family name (any case or accent)"),
    ("family", "string", "The family name starts with it (any case or accent)"),
    ("given", "string", "One of the given names starts with it (any case or accent)"),
    ("birthdate", "date", "The birth date, a full date YYYY-MM-DD (no prefixes)"),
    ("gender", "token", "male | female | other | unknown"),
    ("phone", "token", "A phone number in any format, or at least 3 of its digits"),
    ("email", "token", "An email address or a fragment of one"),
)


APPOINTMENT_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("patient", "reference", "Patient/<id> or an id: the patient participant"),
    ("practitioner", "reference", "Practitioner/<id> or an id: the practitioner participant"),
    ("location", "reference", "Location/<id> or an id"),
    ("date", "date", "The start; prefixes eq, ge, gt, le, lt; repeatable (all must hold); UTC without a zone"),
    ("status", "token", "AppointmentStatus codes, comma-separated for any of them"),
)

ORGANIZATION_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("identifier", "token", "The organisation's code (any case), or urn:prm:organization-code|code"),
    ("name", "string", "Found anywhere in the name or the code (any case or accent)"),
    ("type", "token", "prov (a hospital) | dept (a department)"),
    ("partof", "reference", "Organization/<id> or an id: its direct parts"),
    ("active", "token", "true | false"),
    ("address-city", "string", "The whole city (any case or accent)"),
)

LOCATION_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("name", "string", "Every word the start of a word of the name (any case or accent)"),
)

SCHEDULE_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("actor", "reference", "Practitioner/<id> or Location/<id>; repeatable (both must hold)"),
)

SLOT_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("schedule", "reference", "Schedule/<id> or an id: required"),
    ("start", "date", "Prefixes eq, ge, gt, le, lt; repeatable; default the next 7 days, at most 90"),
    ("status", "token", "free (PRM serves free slots only; other SlotStatus codes find nothing)"),
)

TASK_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("patient", "reference", "Patient/<id> or an id: the ticket's patient (Task.for)"),
    ("status", "token", "ready | in-progress | completed (resolved or closed), comma-separated"),
    ("business-status", "token", "The ticket's status: open | in_progress | resolved | closed, comma-separated"),
    ("priority", "token", "routine (low) | urgent (medium) | asap (high) | stat (urgent)"),
)

RESOURCES: tuple[tuple[str, tuple[tuple[str, str, str], ...], frozenset[str], str], ...] = (
    ("Patient", PATIENT_SEARCH_PARAMS, frozenset({"identifier", "name"}), "patients:read"),
    ("Practitioner", PRACTITIONER_SEARCH_PARAMS, frozenset({"identifier", "name", "active"}), "practitioners:read"),
    (
        "Appointment",
        APPOINTMENT_SEARCH_PARAMS,
        frozenset({"patient", "practitioner", "location", "date", "status"}),
        "appointments:read",
    ),
    (
        "Organization",
        ORGANIZATION_SEARCH_PARAMS,
        frozenset({"identifier", "name", "type", "partof", "active", "address-city"}),
        "organizations:read",
    ),
    ("Location", LOCATION_SEARCH_PARAMS, frozenset({"name"}), "schedules:read"),
    ("Schedule", SCHEDULE_SEARCH_PARAMS, frozenset({"actor"}), "schedules:read"),
    ("Slot", SLOT_SEARCH_PARAMS, frozenset({"schedule", "start", "status"}), "schedules:read"),
    ("Task", TASK_SEARCH_PARAMS, frozenset({"patient", "status", "business-status", "priority"}), "tickets:read"),
    communication.CAPABILITY,
    consent.CAPABILITY,
    episode_of_care.CAPABILITY,
    related_person.CAPABILITY,
)
"""Each resource served: its type, search parameters, those defined on the resource itself (the
others are FHIR's shared ``clinical-*`` (:data:`CLINICAL`) or ``individual-*`` ones) and the
permission it needs."""


WRITABLE = frozenset({"Patient", "Appointment"})
"""Resources with ``create`` and ``update`` (``POST /<Type>``, ``PUT /<Type>/{id}`` with ``If-Match``)."""
CONDITIONAL_CREATE = frozenset({"Patient"})
"""Resources whose create honours ``If-None-Exist`` (``identifier=system|value``)."""

BULK_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
PATIENT_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
"""The FHIR Bulk Data Access IG 2.0 operations served: ``GET /$export`` and ``GET /Patient/$export``."""

UNVERSIONED = frozenset({"Location", "Schedule", "Slot"})
"""Resources without a ``meta.versionId`` (PRM does not edit locations and schedules; slots are computed)."""


def capability_statement(*, base_url: str, software_version: str, now: datetime) -> dict[str, Any]:
    """What PRM serves: ``read`` and ``search-type`` of each of :data:`RESOURCES` with its
    parameters, ``create``/``update`` of :data:`WRITABLE`, ``transaction`` and ``batch`` Bundles,
    JSON only."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(now),
        "publisher": "PRM",
        "kind": "instance",
        "software": {"name": "PRM", "version": software_version},
        "implementation": {"description": "PRM FHIR R4 interface", "url": base_url},
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": True,
                    "description": "Bearer token or X-API-Key, with the permission each resource names",
                },
                "resource": [_resource(*resource) for resource in RESOURCES],
                "operation": [{"name": "export", "definition": BULK_EXPORT}],
                "interaction": [
                    {"code": "transaction", "documentation": "POST / with a transaction Bundle: all or nothing"},
                    {"code": "batch", "documentation": "POST / with a batch Bundle: each entry on its own"},
                ],
                "searchParam": [
                    {"name": "_count", "type": "number", "documentation": "Entries per page, 1 to 100 (default 20)"},
                    {"name": "_offset", "type": "number", "documentation": "Entries to skip, a multiple of _count"},
                ],
            }
        ],
    }


CLINICAL = frozenset({("EpisodeOfCare", "patient"), ("EpisodeOfCare", "type"), ("Consent", "patient")})
"""Parameters FHIR R4 defines once for clinical resources (``clinical-patient``, ``clinical-type``)."""


def _definer(kind: str, name: str, own: frozenset[str]) -> str:
    """Whose SearchParameter ``name`` of ``kind`` is: the resource's own, ``clinical``, or ``individual``."""
    if name in own:
        return kind
    return "clinical" if (kind, name) in CLINICAL else "individual"


def _resource(
    kind: str, params: tuple[tuple[str, str, str], ...], own: frozenset[str], permission: str
) -> dict[str, Any]:
    """One ``rest.resource`` entry; ``own``: the parameters defined on ``kind`` itself (the others
    are FHIR's shared ``clinical-*`` or ``individual-*`` ones)."""
    return {
        "type": kind,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{kind}",
        "documentation": f"Needs the {permission} permission",
        "interaction": [
            {"code": "read"},
            {"code": "search-type"},
            *([{"code": "create"}, {"code": "update"}] if kind in WRITABLE else []),
        ],
        "versioning": "no-version" if kind in UNVERSIONED else "versioned",
        "readHistory": False,
        **({"updateCreate": False} if kind in WRITABLE else {}),
        **({"conditionalCreate": True} if kind in CONDITIONAL_CREATE else {}),
        **({"operation": [{"name": "export", "definition": PATIENT_EXPORT}]} if kind == "Patient" else {}),
        "searchParam": [
            {
                "name": name,
                "definition": f"http://hl7.org/fhir/SearchParameter/{_definer(kind, name, own)}-{name}",
                "type": param_type,
                "documentation": doc,
            }
            for name, param_type, doc in params
        ],
    }
