"""Caregiver → FHIR R4 RelatedPerson (adapters/fhir/related_person.py), checked with the official
R4B model, and the name matching of the search."""

from datetime import date
from uuid import uuid4

import pytest
from fhir.resources.R4B.relatedperson import RelatedPerson

from prm.adapters.fhir.related_person import related_person_resource
from prm.domain.caregivers.model import Caregiver, CaregiverChannel, CaregiverDetails
from prm.domain.caregivers.relationships import RELATIONSHIPS, ROLE_CODE_SYSTEM
from prm.domain.shared.contact import ContactPoint, ContactPointSystem, ContactPointUse
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.shared.person import HumanName
from prm.domain.shared.text import prefixes_all_found, tokens
from tests.fakes import NOW


def _caregiver(**details: object) -> Caregiver:
    values: dict[str, object] = {"name": HumanName(given=("Ana", "María"), family="Pérez"), "relationship": "MTH"}
    values.update(details)
    return Caregiver.create(
        tenant_id=TenantId(uuid4()),
        patient_id=PatientId(uuid4()),
        details=CaregiverDetails(**values),  # type: ignore[arg-type]
        now=NOW,
    )


def test_a_minimal_caregiver_validates_and_leaves_empty_elements_out() -> None:
    caregiver = _caregiver()
    resource = related_person_resource(caregiver, date(2026, 3, 10))
    RelatedPerson.model_validate(resource)
    assert resource["id"] == str(caregiver.id)
    assert resource["meta"] == {"versionId": "1", "lastUpdated": "2026-03-10T09:30:00+00:00"}
    assert resource["patient"] == {"reference": f"Patient/{caregiver.patient_id}"}
    assert resource["active"] is True
    assert resource["name"] == [{"text": "Ana María Pérez", "family": "Pérez", "given": ["Ana", "María"]}]
    assert resource["relationship"] == [
        {"coding": [{"system": ROLE_CODE_SYSTEM, "code": "MTH", "display": "mother"}], "text": "mother"}
    ]
    for absent in ("telecom", "period", "communication"):
        assert absent not in resource


def test_telecom_period_and_active_on_the_day() -> None:
    caregiver = _caregiver(
        telecom=(
            ContactPoint(ContactPointSystem.PHONE, "+16174923500", ContactPointUse.MOBILE),
            ContactPoint(ContactPointSystem.EMAIL, "ana@example.com", rank=2),
        ),
        preferred_channel=CaregiverChannel.SMS,
        receives_communications=True,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    inside = related_person_resource(caregiver, date(2026, 6, 30))
    RelatedPerson.model_validate(inside)
    assert inside["telecom"] == [
        {"system": "phone", "value": "+16174923500", "use": "mobile"},
        {"system": "email", "value": "ana@example.com", "rank": 2},
    ]
    assert inside["period"] == {"start": "2026-01-01", "end": "2026-06-30"}
    assert inside["active"] is True
    assert related_person_resource(caregiver, date(2026, 7, 1))["active"] is False
    assert related_person_resource(caregiver, date(2025, 12, 31))["active"] is False


@pytest.mark.parametrize("code", sorted(RELATIONSHIPS))
def test_every_accepted_relationship_is_a_role_code_coding(code: str) -> None:
    resource = related_person_resource(_caregiver(relationship=code), date(2026, 3, 10))
    RelatedPerson.model_validate(resource)
    assert resource["relationship"][0]["coding"] == [
        {"system": ROLE_CODE_SYSTEM, "code": code, "display": RELATIONSHIPS[code]}
    ]


@pytest.mark.parametrize(
    ("query", "matches"),
    [("ana", True), ("MARIA", True), ("pér", True), ("ana perez", True), ("na", False), ("ana lopez", False)],
)
def test_name_matching_is_word_prefixes_without_case_or_accent(query: str, matches: bool) -> None:
    assert prefixes_all_found(_caregiver().details.name.search_tokens(), tokens(query)) is matches
