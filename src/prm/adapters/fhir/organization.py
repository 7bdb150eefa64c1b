"""PRM organisation → FHIR R4 ``Organization`` resource (https://hl7.org/fhir/R4/organization.html).

- ``identifier[0]``: the tenant-unique code (system ``urn:prm:organization-code``);
- ``active``: the status is ``active``; ``type[0]``: http://terminology.hl7.org/CodeSystem/organization-type
  ``prov`` (a hospital) or ``dept`` (a department); ``name``;
- ``telecom``: the phone (E.164) and the email, ``use`` ``work``; ``address``;
- ``partOf``: ``Organization/{id}`` of the hospital or department it belongs to.
"""

from typing import Any

from prm.adapters.fhir.patient import address_element, instant
from prm.domain.organizations.model import FHIR_ORGANIZATION_TYPE, Organization, OrganizationStatus

ORGANIZATION_CODE_SYSTEM = "urn:prm:organization-code"

_TYPE_DISPLAY = {"prov": "Healthcare Provider", "dept": "Hospital Department"}


def organization_resource(organization: Organization) -> dict[str, Any]:
    """The FHIR R4 Organization for ``organization``; empty elements are left out."""
    d = organization.details
    code = d.type.fhir_code
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(organization.id),
        "meta": {"versionId": str(organization.version), "lastUpdated": instant(organization.updated_at)},
        "identifier": [{"system": ORGANIZATION_CODE_SYSTEM, "value": d.code}],
        "active": d.status is OrganizationStatus.ACTIVE,
        "type": [{"coding": [{"system": FHIR_ORGANIZATION_TYPE, "code": code, "display": _TYPE_DISPLAY[code]}]}],
        "name": d.name,
    }
    telecom = [
        {"system": system, "value": value, "use": "work"} for system, value in (("phone", d.phone), ("email", d.email))
    ]
    telecom = [t for t in telecom if t["value"]]
    if telecom:
        resource["telecom"] = telecom
    if d.address and not d.address.is_empty():
        resource["address"] = [address_element(d.address)]
    if d.part_of:
        resource["partOf"] = {"reference": f"Organization/{d.part_of}"}
    return resource
