"""The caregiver aggregate's rules (FHIR RelatedPerson, HL7 v3 RoleCode) and who receives copies."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from prm.application.caregivers.inputs import CaregiverInput, TelecomInput, build_details, normalize_changes
from prm.domain.caregivers.errors import InvalidCaregiver
from prm.domain.caregivers.events import CaregiverUpdated
from prm.domain.caregivers.model import Caregiver, CaregiverChannel, CaregiverDetails
from prm.domain.caregivers.relationships import RELATIONSHIPS, relationship_code
from prm.domain.shared.contact import ContactPoint, ContactPointSystem, ContactPointUse, InvalidPhoneNumber
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.shared.person import HumanName

NAME = HumanName(given=("Ana",), family="Pérez")
PHONE = ContactPoint(system=ContactPointSystem.PHONE, value="+16174923500", use=ContactPointUse.MOBILE)
EMAIL = ContactPoint(system=ContactPointSystem.EMAIL, value="ana@example.org")
NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)


def details(**fields: object) -> CaregiverDetails:
    values: dict[str, object] = {"name": NAME, "relationship": "MTH", "telecom": (PHONE, EMAIL)}
    values.update(fields)
    return CaregiverDetails(**values)  # type: ignore[arg-type]


def test_relationship_codes_are_v3_rolecodes_in_any_case() -> None:
    assert relationship_code(" mth ") == "MTH"
    assert relationship_code("boss") is None
    assert RELATIONSHIPS["GUARD"] == "guardian"
    assert details(relationship="NOK").relationship_display == "next of kin"
    with pytest.raises(InvalidCaregiver) as refused:
        details(relationship="mth")  # the aggregate takes the code as the application checked it
    assert refused.value.field == "relationship"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"preferred_channel": CaregiverChannel.SMS, "telecom": (EMAIL,)}, "preferred_channel"),
        ({"preferred_channel": CaregiverChannel.EMAIL, "telecom": (PHONE,)}, "preferred_channel"),
        ({"receives_communications": True, "telecom": ()}, "receives_communications"),
        ({"period_start": date(2026, 2, 1), "period_end": date(2026, 1, 1)}, "period_end"),
        ({"telecom": (PHONE,) * 11}, "telecom"),
    ],
)
def test_rules_name_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCaregiver) as refused:
        details(**fields)
    assert refused.value.field == field


def test_an_old_phone_is_no_address() -> None:
    old = ContactPoint(system=ContactPointSystem.PHONE, value="+16174923501", use=ContactPointUse.OLD)
    assert details(telecom=(old, EMAIL)).address_for(CaregiverChannel.SMS) is None
    home = ContactPoint(system=ContactPointSystem.PHONE, value="+16174923502", use=ContactPointUse.HOME)
    assert details(telecom=(home, PHONE)).address_for(CaregiverChannel.WHATSAPP) == PHONE.value  # mobile first


def test_who_receives_a_copy() -> None:
    day = date(2026, 12, 4)
    receiving = details(receives_communications=True)
    assert receiving.communication_address(CaregiverChannel.SMS, day) == PHONE.value
    assert receiving.communication_address(CaregiverChannel.EMAIL, day) == EMAIL.value
    assert details().communication_address(CaregiverChannel.SMS, day) is None
    prefers_email = details(receives_communications=True, preferred_channel=CaregiverChannel.EMAIL)
    assert prefers_email.communication_address(CaregiverChannel.SMS, day) is None
    assert prefers_email.communication_address(CaregiverChannel.EMAIL, day) == EMAIL.value
    ended = details(receives_communications=True, period_end=date(2026, 12, 3))
    assert ended.communication_address(CaregiverChannel.SMS, day) is None
    starts = details(receives_communications=True, period_start=date(2026, 12, 4))
    assert starts.communication_address(CaregiverChannel.SMS, day) == PHONE.value


def test_revise_bumps_the_version_only_for_a_change_and_keeps_rules() -> None:
    caregiver = Caregiver.create(tenant_id=TenantId(uuid4()), patient_id=PatientId(uuid4()), details=details(), now=NOW)
    assert caregiver.revise(NOW, {"relationship": "MTH"}) == ()
    assert caregiver.version == 1
    assert caregiver.revise(NOW, {"relationship": "GUARD"}) == ("relationship",)
    assert caregiver.version == 2
    with pytest.raises(InvalidCaregiver):
        caregiver.revise(NOW, {"telecom": (), "receives_communications": True})
    assert caregiver.details.telecom == (PHONE, EMAIL)
    with pytest.raises(InvalidCaregiver):
        caregiver.revise(NOW, {"patient_id": uuid4()})


def test_inputs_normalise_phones_in_the_tenants_region() -> None:
    given = CaregiverInput(
        name=NAME, relationship="sps", telecom=(TelecomInput(system=ContactPointSystem.PHONE, value="020 7946 0958"),)
    )
    built = build_details(given, "GB")
    assert (built.relationship, built.telecom[0].value) == ("SPS", "+442079460958")
    with pytest.raises(InvalidPhoneNumber) as refused:
        build_details(
            CaregiverInput(
                name=NAME, relationship="SPS", telecom=(TelecomInput(system=ContactPointSystem.PHONE, value="12"),)
            ),
            "GB",
        )
    assert refused.value.field == "telecom.0.value"
    with pytest.raises(InvalidCaregiver):
        normalize_changes({"relationship": "BOSS"}, "GB")
    with pytest.raises(InvalidCaregiver):
        normalize_changes({"receives_communications": "yes"}, "GB")


def test_changes_are_events_with_ids_and_field_names_only() -> None:
    caregiver = Caregiver.create(tenant_id=TenantId(uuid4()), patient_id=PatientId(uuid4()), details=details(), now=NOW)
    caregiver.revise(NOW, {"relationship": "FTH"})
    caregiver.remove()
    assert [type(e).__name__ for e in caregiver.events] == ["CaregiverAdded", "CaregiverUpdated", "CaregiverRemoved"]
    assert caregiver.events[1] == CaregiverUpdated(caregiver.id, caregiver.patient_id, ("relationship",))
