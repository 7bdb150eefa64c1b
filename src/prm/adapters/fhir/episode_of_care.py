"""PRM journey instance → FHIR R4 ``EpisodeOfCare`` resource (https://hl7.org/fhir/R4/episodeofcare.html).

A journey instance follows one patient along one journey (an outpatient visit, an admission, a
procedure): FHIR's "association between a patient and an organization / healthcare provider(s)
during which time encounters may occur", with a status and a period, is the closest fit.

- ``status`` (http://hl7.org/fhir/episode-of-care-status, required): ``active`` → ``active``,
  ``completed`` → ``finished``, ``cancelled`` → ``cancelled`` (:data:`EPISODE_STATUS`); PRM has
  no planned, waitlist, onhold or entered-in-error instance;
- ``type`` (0..*, "type of EpisodeOfCare", an example binding): two CodeableConcepts, the
  journey type (system ``urn:prm:journey-type``, ``opd``, ``inpatient``, ... or a tenant's own
  code) and the journey itself (system ``urn:prm:journey``, the journey id as code, its name as
  display and text). The journey is a kind of care, not a business identifier of the episode
  (many episodes share it), so it is a coding rather than an ``identifier``. Both are left out
  when the journey is not known any more;
- ``identifier``: the encounter id the instance was started for, if any (system
  ``urn:prm:encounter``: the id in the hospital system that sent it);
- ``patient`` (required): ``Patient/{id}``; ``managingOrganization``: ``Organization/{id}``
  when the instance is scoped to a hospital or department;
- ``period``: ``start`` the start, ``end`` the completion or cancellation (absent while active);
- ``meta.versionId``: the instance's version; ``meta.lastUpdated``: its last change.

Left out: the stages and their progress (no EpisodeOfCare element holds them: ``statusHistory``
is the history of the episode's own status, which ``status`` and ``period`` already give), the
appointment id (EpisodeOfCare has no appointment element), the journey version and the context.
"""

from typing import Any

from prm.adapters.fhir.patient import instant
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance

EPISODE_STATUS_SYSTEM = "http://hl7.org/fhir/episode-of-care-status"
JOURNEY_TYPE_SYSTEM = "urn:prm:journey-type"
JOURNEY_SYSTEM = "urn:prm:journey"
ENCOUNTER_SYSTEM = "urn:prm:encounter"

EPISODE_STATUS = {
    InstanceStatus.ACTIVE: "active",
    InstanceStatus.COMPLETED: "finished",
    InstanceStatus.CANCELLED: "cancelled",
}
"""PRM instance status → FHIR EpisodeOfCareStatus code."""

SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("patient", "reference", "Patient/<id> or an id: the patient followed"),
    (
        "status",
        "token",
        "active | finished (completed) | cancelled, comma-separated when they name at most one of them "
        "(or all); the other EpisodeOfCareStatus codes find nothing",
    ),
    (
        "type",
        "token",
        "A journey type (urn:prm:journey-type|opd, or opd) served when the tenant has at most one journey "
        "of that type, or a journey (urn:prm:journey|<id>); one value",
    ),
    ("organization", "reference", "Organization/<id> or an id: the hospital or department managing it"),
)
"""The search parameters served: name, FHIR type, documentation."""

CAPABILITY: tuple[str, tuple[tuple[str, str, str], ...], frozenset[str], str] = (
    "EpisodeOfCare",
    SEARCH_PARAMS,
    frozenset({"status", "organization"}),
    "journeys:read",
)
"""This resource's ``CapabilityStatement.rest.resource`` entry: type, search parameters, those
defined on the resource itself (the others are FHIR's shared ``clinical-*`` or ``individual-*`` ones), permission."""


def episode_of_care_resource(
    instance: JourneyInstance, journey_name: str | None, journey_type: str | None
) -> dict[str, Any]:
    """The FHIR R4 EpisodeOfCare for ``instance`` of the journey named ``journey_name`` of type
    ``journey_type`` (``None``: the journey is not known; see the module docstring)."""
    i = instance
    resource: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": str(i.id),
        "meta": {"versionId": str(i.version), "lastUpdated": instant(i.updated_at or i.started_at)},
    }
    if i.encounter_id:
        resource["identifier"] = [{"system": ENCOUNTER_SYSTEM, "value": i.encounter_id}]
    resource["status"] = EPISODE_STATUS[i.status]
    types: list[dict[str, Any]] = []
    if journey_type:
        types.append({"coding": [{"system": JOURNEY_TYPE_SYSTEM, "code": journey_type}], "text": journey_type})
    if journey_name:
        journey = {"system": JOURNEY_SYSTEM, "code": str(i.journey_id), "display": journey_name}
        types.append({"coding": [journey], "text": journey_name})
    if types:
        resource["type"] = types
    resource["patient"] = {"reference": f"Patient/{i.patient_id}"}
    if i.organization_id is not None:
        resource["managingOrganization"] = {"reference": f"Organization/{i.organization_id}"}
    period = {"start": instant(i.started_at)}
    ended = i.completed_at if i.status is InstanceStatus.COMPLETED else i.cancelled_at
    if i.status is not InstanceStatus.ACTIVE and ended is not None:
        period["end"] = instant(ended)
    resource["period"] = period
    return resource
