"""PRM location → FHIR R4 ``Location`` resource (https://hl7.org/fhir/R4/location.html).

- ``status`` ``active`` and ``mode`` ``instance`` (PRM's locations are places, not kinds of place);
- ``name``; ``telecom[0]``: the phone (E.164, ``use`` ``work``); ``address``;
- the IANA time zone in the extension http://hl7.org/fhir/StructureDefinition/timezone
  (``valueCode``, such as ``Europe/London``), FHIR's standard extension for it;
- ``meta.lastUpdated``: when it was created (locations are not edited).
"""

from typing import Any

from prm.adapters.fhir.patient import address_element, instant
from prm.domain.appointments.schedule import Location

TIMEZONE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/timezone"


def location_resource(location: Location) -> dict[str, Any]:
    """The FHIR R4 Location for ``location``; empty elements are left out."""
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(location.id),
        "meta": {"lastUpdated": instant(location.created_at)},
        "extension": [{"url": TIMEZONE_EXTENSION, "valueCode": location.time_zone}],
        "status": "active",
        "name": location.name,
        "mode": "instance",
    }
    if location.phone:
        resource["telecom"] = [{"system": "phone", "value": location.phone, "use": "work"}]
    if location.address and not location.address.is_empty():
        resource["address"] = address_element(location.address)
    return resource
