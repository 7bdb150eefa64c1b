"""Journey instance → FHIR R4 EpisodeOfCare (adapters/fhir/episode_of_care.py), checked with the
official R4B model."""

from datetime import timedelta
from uuid import uuid4

import pytest
from fhir.resources.R4B.episodeofcare import EpisodeOfCare

from prm.adapters.fhir.episode_of_care import EPISODE_STATUS, episode_of_care_resource
from prm.domain.journeys.ids import JourneyId, StageId
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance
from prm.domain.journeys.model import Stage
from prm.domain.shared.ids import PatientId, TenantId
from tests.fakes import NOW


def _instance(**more: object) -> JourneyInstance:
    stages = [Stage(id=StageId(uuid4()), name=name, order_index=i) for i, name in enumerate(("Visit", "Pharmacy"))]
    return JourneyInstance.start(
        tenant_id=TenantId(uuid4()),
        journey_id=JourneyId(uuid4()),
        journey_version=3,
        stages=stages,
        patient_id=PatientId(uuid4()),
        now=NOW,
        **more,  # type: ignore[arg-type]
    )


def test_an_active_instance_without_encounter_or_organisation_leaves_them_out() -> None:
    instance = _instance(appointment_id=uuid4())
    resource = episode_of_care_resource(instance, "OPD visit", "opd")
    EpisodeOfCare.model_validate(resource)
    assert resource["status"] == "active"
    assert resource["patient"] == {"reference": f"Patient/{instance.patient_id}"}
    assert resource["period"] == {"start": "2026-03-10T09:30:00+00:00"}
    assert resource["meta"] == {"versionId": "1", "lastUpdated": "2026-03-10T09:30:00+00:00"}
    assert resource["type"] == [
        {"coding": [{"system": "urn:prm:journey-type", "code": "opd"}], "text": "opd"},
        {
            "coding": [{"system": "urn:prm:journey", "code": str(instance.journey_id), "display": "OPD visit"}],
            "text": "OPD visit",
        },
    ]
    for absent in ("identifier", "managingOrganization", "statusHistory"):
        assert absent not in resource


def test_encounter_and_organisation_are_identifier_and_managing_organization() -> None:
    organization = uuid4()
    resource = episode_of_care_resource(_instance(encounter_id="ENC-1", organization_id=organization), "A", "ems")
    EpisodeOfCare.model_validate(resource)
    assert resource["identifier"] == [{"system": "urn:prm:encounter", "value": "ENC-1"}]
    assert resource["managingOrganization"] == {"reference": f"Organization/{organization}"}


def test_an_unknown_journey_leaves_type_out() -> None:
    resource = episode_of_care_resource(_instance(), None, None)
    EpisodeOfCare.model_validate(resource)
    assert "type" not in resource


@pytest.mark.parametrize("status", list(InstanceStatus))
def test_every_status_maps_and_an_ended_instance_has_a_period_end(status: InstanceStatus) -> None:
    instance = _instance()
    later = NOW + timedelta(hours=2)
    if status is InstanceStatus.COMPLETED:
        instance.advance(later)
        instance.advance(later)
    elif status is InstanceStatus.CANCELLED:
        instance.cancel(later)
    resource = episode_of_care_resource(instance, "J", "opd")
    EpisodeOfCare.model_validate(resource)
    assert resource["status"] == EPISODE_STATUS[status]
    assert resource["status"] == {"active": "active", "completed": "finished", "cancelled": "cancelled"}[status]
    assert resource.get("period", {}).get("end") == (None if status is InstanceStatus.ACTIVE else later.isoformat())
    assert resource["meta"]["lastUpdated"] == (NOW if status is InstanceStatus.ACTIVE else later).isoformat()
