"""FHIR R4 ``CapabilityStatement`` of PRM's FHIR interface (https://hl7.org/fhir/R4/capabilitystatement.html)."""

from datetime import datetime
from typing import Any

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


def capability_statement(*, base_url: str, software_version: str, now: datetime) -> dict[str, Any]:
    """What PRM serves: ``read`` and ``search-type`` of Patient and Practitioner with the parameters
    above, JSON only."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(now),
        "publisher": "PRM",
        "kind": "instance",
        "software": {"name": "PRM", "version": software_version},
        "implementation": {"description": "PRM FHIR R4 interface", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": True,
                    "description": "Bearer token or X-API-Key, with the permission each resource names",
                },
                "resource": [
                    _resource("Patient", PATIENT_SEARCH_PARAMS, {"identifier", "name"}, "patients:read"),
                    _resource(
                        "Practitioner",
                        PRACTITIONER_SEARCH_PARAMS,
                        {"identifier", "name", "active"},
                        "practitioners:read",
                    ),
                ],
                "searchParam": [
                    {"name": "_count", "type": "number", "documentation": "Entries per page, 1 to 100 (default 20)"},
                    {"name": "_offset", "type": "number", "documentation": "Entries to skip, a multiple of _count"},
                ],
            }
        ],
    }


def _resource(kind: str, params: tuple[tuple[str, str, str], ...], own: set[str], permission: str) -> dict[str, Any]:
    """One ``rest.resource`` entry; ``own``: the parameters defined on ``kind`` itself (the others
    are FHIR's shared ``individual-*`` ones)."""
    return {
        "type": kind,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{kind}",
        "documentation": f"Needs the {permission} permission",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "versioned",
        "readHistory": False,
        "searchParam": [
            {
                "name": name,
                "definition": f"http://hl7.org/fhir/SearchParameter/{kind if name in own else 'individual'}-{name}",
                "type": param_type,
                "documentation": doc,
            }
            for name, param_type, doc in params
        ],
    }
