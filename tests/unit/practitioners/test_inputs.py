"""From what callers type to the aggregate's details: trimming, E.164 phones, emails, organization."""

import pytest

from prm.application.practitioners.inputs import PractitionerInput, build_details, normalize_changes
from prm.domain.practitioners.errors import InvalidPractitioner
from prm.domain.practitioners.model import Organization
from prm.domain.shared.contact import Address, InvalidEmail, InvalidPhoneNumber
from prm.domain.shared.person import AdministrativeGender


def test_texts_are_trimmed_and_blank_optional_texts_dropped() -> None:
    d = build_details(
        PractitionerInput(
            first_name=" John ", last_name=" Smith", middle_name="  ", speciality=" Cardiology ", license_number=""
        ),
        "US",
    )
    assert (d.first_name, d.last_name, d.middle_name, d.speciality, d.license_number) == (
        "John",
        "Smith",
        None,
        "Cardiology",
        None,
    )


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("(617) 492-3500", "US", "+16174923500"),
        ("+1 617 492 3500", "GB", "+16174923500"),
        ("0161 496 0000", "GB", "+441614960000"),
    ],
)
def test_phones_become_e164_in_the_tenant_region(typed: str, region: str, e164: str) -> None:
    d = build_details(PractitionerInput(first_name="A", last_name="B", phone_primary=typed), region)
    assert d.phone_primary == e164


def test_the_practice_phone_is_normalised_and_named_in_errors() -> None:
    practice = Organization(name=" Clinic ", phone="617-492-3500", address=Address())
    d = build_details(PractitionerInput(first_name="A", last_name="B", organization=practice), "US")
    assert d.organization == Organization(name="Clinic", phone="+16174923500")
    with pytest.raises(InvalidPhoneNumber) as caught:
        build_details(
            PractitionerInput(first_name="A", last_name="B", organization=Organization(name="Clinic", phone="12")), "US"
        )
    assert caught.value.field == "organization.phone"


def test_bad_phone_and_email_name_their_fields() -> None:
    with pytest.raises(InvalidPhoneNumber) as phone:
        build_details(PractitionerInput(first_name="A", last_name="B", phone_primary="555"), "US")
    with pytest.raises(InvalidEmail) as email:
        build_details(PractitionerInput(first_name="A", last_name="B", email_primary="dr.smith@"), "US")
    assert (phone.value.field, email.value.field) == ("phone_primary", "email_primary")


def test_emails_are_normalised_and_empty_addresses_dropped() -> None:
    d = build_details(
        PractitionerInput(
            first_name="A", last_name="B", email_primary=" Dr.Smith@Clinic.COM ", address=Address(line=())
        ),
        "US",
    )
    assert (d.email_primary, d.address) == ("Dr.Smith@clinic.com", None)


def test_changes_are_normalised_field_by_field() -> None:
    changes = normalize_changes({"phone_primary": "617 492 3500", "speciality": " ", "gender": "female"}, "US")
    assert changes == {"phone_primary": "+16174923500", "speciality": None, "gender": AdministrativeGender.FEMALE}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tenant_id": "x"}, "tenant_id"),
        ({"version": 3}, "version"),
        ({"gender": "robot"}, "gender"),
        ({"is_active": "yes"}, "is_active"),
        ({"meta_data": [1]}, "meta_data"),
        ({"last_name": 3}, "last_name"),
    ],
)
def test_changes_to_unknown_fields_or_of_the_wrong_kind_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidPractitioner) as caught:
        normalize_changes(changes, "US")
    assert caught.value.field == field
