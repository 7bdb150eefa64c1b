"""PRM practitioner → FHIR R4 ``Practitioner`` resource (https://hl7.org/fhir/R4/practitioner.html).

- ``identifier[]``: the license number (v2-0203 ``MD``, system ``urn:prm:license``), the
  registration number (``PRN``, ``urn:prm:registration``) and the source system's id
  (``urn:prm:external-id``), those that are known;
- ``active``; ``name[0]``: ``official``, ``family`` the last name, ``given`` first and middle
  names, ``prefix``; ``telecom``: the primary phone and email (``use`` ``work``);
- ``gender``; ``address``; ``qualification[0].code.text``: the qualification as written.

The speciality and the practice belong to FHIR's PractitionerRole, not rendered in this slice.
"""

from typing import Any

from prm.adapters.fhir.patient import address_element, instant
from prm.application.practitioners.find_practitioner_records import EXTERNAL_ID_SYSTEM, LICENSE_SYSTEM
from prm.domain.practitioners.model import Practitioner

IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
REGISTRATION_SYSTEM = "urn:prm:registration"


def practitioner_resource(practitioner: Practitioner) -> dict[str, Any]:
    """The FHIR R4 Practitioner for ``practitioner``; empty elements are left out."""
    d = practitioner.details
    identifiers: list[dict[str, Any]] = []
    for type_code, display, system, value in (
        ("MD", "Medical License number", LICENSE_SYSTEM, d.license_number),
        ("PRN", "Provider number", REGISTRATION_SYSTEM, d.registration_number),
        (None, None, EXTERNAL_ID_SYSTEM, d.external_id),
    ):
        if not value:
            continue
        identifier: dict[str, Any] = {"system": system, "value": value}
        if type_code:
            identifier["type"] = {"coding": [{"system": IDENTIFIER_TYPE_SYSTEM, "code": type_code, "display": display}]}
        identifiers.append(identifier)
    name: dict[str, Any] = {
        "use": "official",
        "text": " ".join(p for p in (d.prefix, d.first_name, d.middle_name, d.last_name) if p),
        "family": d.last_name,
        "given": [p for p in (d.first_name, d.middle_name) if p],
    }
    if d.prefix:
        name["prefix"] = [d.prefix]
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(practitioner.id),
        "meta": {"versionId": str(practitioner.version), "lastUpdated": instant(practitioner.updated_at)},
    }
    if identifiers:
        resource["identifier"] = identifiers
    resource["active"] = d.is_active
    resource["name"] = [name]
    telecom = [
        {"system": system, "value": value, "use": "work"}
        for system, value in (("phone", d.phone_primary), ("email", d.email_primary))
        if value
    ]
    if telecom:
        resource["telecom"] = telecom
    resource["gender"] = d.gender.value
    if d.address and not d.address.is_empty():
        resource["address"] = [address_element(d.address)]
    if d.qualification:
        resource["qualification"] = [{"code": {"text": d.qualification}}]
    return resource
