"""PRM caregiver → FHIR R4 ``RelatedPerson`` resource (https://hl7.org/fhir/R4/relatedperson.html).

- ``patient`` (required): ``Patient/{id}`` of the patient the caregiver belongs to;
- ``relationship[0]``: the caregiver's relationship, a code of
  http://terminology.hl7.org/CodeSystem/v3-RoleCode (``MTH``, ``FTH``, ``SPS``, ``CHILD``,
  ``FRND``, ``GUARD``, ...; value set ``relatedperson-relationshiptype``) with the code system's
  display name, which is also ``text``. PRM only accepts RoleCode codes, so there is always a
  coding;
- ``name[0]``: HumanName (``text``, ``family``, ``given``, ``prefix``, ``suffix``);
- ``telecom[]``: ContactPoint ``system``/``value``/``use``/``rank`` (phones in E.164, emails
  normalised), as stored;
- ``period``: the active period, whole days (``start``/``end`` are dates); ``active``: whether
  the given day (the server's today, UTC, as the REST API's ``active``) is in it;
- ``meta.versionId``: the caregiver's version; ``meta.lastUpdated``: its last change.

Left out: the preferred channel and whether the caregiver receives the patient's messages (no
RelatedPerson element holds them; ``communication`` is about languages).
"""

from datetime import date
from typing import Any

from prm.adapters.fhir.patient import contact_point, human_name, instant
from prm.domain.caregivers.model import Caregiver
from prm.domain.caregivers.relationships import ROLE_CODE_SYSTEM

SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("patient", "reference", "Patient/<id> or an id: the patient the caregivers belong to (required)"),
    ("name", "string", "Every word a prefix of a given or family name (any case or accent); with patient"),
)
"""The search parameters served: name, FHIR type, documentation."""

CAPABILITY: tuple[str, tuple[tuple[str, str, str], ...], frozenset[str], str] = (
    "RelatedPerson",
    SEARCH_PARAMS,
    frozenset({"patient", "name"}),
    "patients:read",
)
"""This resource's ``CapabilityStatement.rest.resource`` entry: type, search parameters, those
defined on the resource itself (the others are FHIR's shared ``clinical-*`` or ``individual-*`` ones), permission."""


def related_person_resource(caregiver: Caregiver, today: date) -> dict[str, Any]:
    """The FHIR R4 RelatedPerson for ``caregiver``, ``active`` on ``today`` (see the module
    docstring); empty elements are left out."""
    c, d = caregiver, caregiver.details
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": str(c.id),
        "meta": {"versionId": str(c.version), "lastUpdated": instant(c.updated_at)},
        "active": d.active_on(today),
        "patient": {"reference": f"Patient/{c.patient_id}"},
        "relationship": [
            {
                "coding": [{"system": ROLE_CODE_SYSTEM, "code": d.relationship, "display": d.relationship_display}],
                "text": d.relationship_display,
            }
        ],
        "name": [human_name(d.name)],
    }
    if d.telecom:
        resource["telecom"] = [contact_point(t) for t in d.telecom]
    period: dict[str, str] = {}
    if d.period_start:
        period["start"] = d.period_start.isoformat()
    if d.period_end:
        period["end"] = d.period_end.isoformat()
    if period:
        resource["period"] = period
    return resource
