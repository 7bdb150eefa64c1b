"""The reader of Synthea's providers.csv and organizations.csv: mapping, the practice's phone read
in the practice's own country, and what costs a row (almost nothing) and what does not."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from prm.adapters.inbound.synthea.reader import AS_WRITTEN, Organizations, OrganizationsFile, ProvidersFile
from prm.application.practitioners.import_practitioners import OPTIONAL_FIELDS, PractitionerRecord
from prm.application.practitioners.inputs import EDITABLE_FIELDS
from prm.application.shared.imports import Rejection, SourceRef, ValueWarning
from prm.domain.practitioners.model import Organization
from prm.domain.shared.contact import Address, AddressUse
from prm.domain.shared.person import AdministrativeGender
from tests.unit.synthea.test_reader import (
    ORG_ID,
    ORGANIZATION,
    ORGANIZATIONS_HEADER,
    PROVIDER,
    PROVIDERS_HEADER,
    write_csv,
)

UK_ORGANIZATION = {**ORGANIZATION, "STATE": "UnitedKingdom", "CITY": "Manchester", "ZIP": "M1 3", "ADDRESS": ""}


def organizations(tmp_path: Path, rows: Sequence[dict[str, str]], region: str = "US") -> Organizations:
    return OrganizationsFile(write_csv(tmp_path / "organizations.csv", ORGANIZATIONS_HEADER, rows)).read(region)


def read_providers(
    tmp_path: Path,
    providers: Sequence[dict[str, str]],
    orgs: Sequence[dict[str, str]] | None = None,
    region: str = "US",
) -> list[PractitionerRecord | Rejection | ValueWarning]:
    path = write_csv(tmp_path / "providers.csv", PROVIDERS_HEADER, providers)
    found = organizations(tmp_path, orgs, region) if orgs is not None else None
    return list(ProvidersFile(path).records(found))


def only_record(items: Sequence[object]) -> PractitionerRecord:
    (record,) = items
    assert isinstance(record, PractitionerRecord), record
    return record


def phone_of(tmp_path: Path, phone: str, region: str = "US", **org: str) -> tuple[str | None, list[str], str | None]:
    """The organization's phone as read, the warnings, and the cell kept as written."""
    found = organizations(tmp_path, [{**ORGANIZATION, **org, "PHONE": phone}], region)
    return found.by_id[ORG_ID].phone, [str(w) for w in found.warnings], found.as_written.get(ORG_ID)


# --- mapping ------------------------------------------------------------------------------------


def test_a_provider_row_maps_field_by_field_with_its_organization(tmp_path: Path) -> None:
    record = only_record(read_providers(tmp_path, [PROVIDER], [ORGANIZATION]))
    assert record.source == SourceRef("providers.csv", 2)
    p = record.practitioner
    assert (p.first_name, p.last_name, p.middle_name) == ("Johna806", "Klein929", None)
    assert p.gender is AdministrativeGender.FEMALE
    assert p.speciality == "GENERAL PRACTICE"
    assert p.external_id == "4f48b4d3-6507-3be0-8b35-d9fcaaa93c46"
    work = Address(use=AddressUse.WORK, line=("825 CENTENNIAL DRIVE",), city="CRAWFORD", state="NE",
                   postal_code="693391143", country="US")  # fmt: skip
    assert p.address == work
    assert p.organization == Organization(
        name="CHADRON COMMUNITY HOSPITAL CORP", phone="+13084325586", address=work, external_id=ORG_ID
    )
    assert (p.phone_primary, p.email_primary, p.license_number, p.meta_data) == (None, None, None, {})
    assert (record.warnings, record.provided) == ((), EDITABLE_FIELDS)
    assert record.optional <= OPTIONAL_FIELDS
    assert {"organization", "organization.phone", "speciality", "address", "gender"} <= record.optional


def test_a_provider_name_splits_on_its_last_space(tmp_path: Path) -> None:
    record = only_record(
        read_providers(tmp_path, [{**PROVIDER, "NAME": "Julio César525  Laureano185"}], [ORGANIZATION])
    )
    assert (record.practitioner.first_name, record.practitioner.last_name) == ("Julio César525", "Laureano185")


def test_an_organization_without_a_phone_has_none(tmp_path: Path) -> None:
    record = only_record(read_providers(tmp_path, [PROVIDER], [{**ORGANIZATION, "PHONE": "", "ADDRESS": ""}]))
    assert record.practitioner.organization is not None
    assert record.practitioner.organization.phone is None
    assert record.practitioner.organization.address == Address(
        use=AddressUse.WORK, city="CRAWFORD", state="NE", postal_code="693391143", country="US"
    )
    assert record.warnings == ()


def test_without_organizations_csv_providers_come_without_their_practice(tmp_path: Path) -> None:
    record = only_record(read_providers(tmp_path, [PROVIDER]))
    assert record.practitioner.organization is None
    assert record.warnings == ()


# --- the organization's phone ---------------------------------------------------------------------


def test_a_us_organization_s_phone_is_read_as_a_us_number_whatever_the_tenant_s_region(tmp_path: Path) -> None:
    assert phone_of(tmp_path, "617-492-3500", region="GB") == ("+16174923500", [], None)
    assert phone_of(tmp_path, "(508) 999-6920", region="DE") == ("+15089996920", [], None)


def test_a_uk_organization_s_phone_is_read_as_a_uk_number_in_a_us_tenant(tmp_path: Path) -> None:
    assert phone_of(tmp_path, "0161 205 2714", region="US", **UK_ORGANIZATION) == ("+441612052714", [], None)


def test_without_a_known_country_the_tenant_s_region_reads_the_phone(tmp_path: Path) -> None:
    bayern = {**ORGANIZATION, "STATE": "Bayern"}
    assert phone_of(tmp_path, "0161 205 2714", region="GB", **bayern)[0] == "+441612052714"
    phone, [warning], kept = phone_of(tmp_path, "0161 205 2714", region="US", **bayern)
    assert phone is None
    assert warning.startswith(
        "organizations.csv:2: PHONE: not a valid phone number in US (the tenant's region: the row's country is not "
        "known) '0161 205 2714': left out"
    )
    assert kept == "0161 205 2714"


def test_a_number_that_is_not_valid_in_the_organization_s_country_is_left_out_and_kept_as_written(
    tmp_path: Path,
) -> None:
    phone, warnings, kept = phone_of(tmp_path, "871-595-3366", region="GB")  # valid in GB (0871), not in the US
    assert phone is None
    assert warnings == [
        "organizations.csv:2: PHONE: not a valid phone number in US '871-595-3366': left out "
        f"(the cell is kept as written in its practitioners' meta_data.{AS_WRITTEN})"
    ]
    assert kept == "871-595-3366"


def test_a_cell_with_the_same_number_twice_keeps_it_once(tmp_path: Path) -> None:
    assert phone_of(tmp_path, "508-999-6920 Or 508-999-6920") == (
        "+15089996920",
        ["organizations.csv:2: PHONE: holds the same number 2 times: kept once"],
        None,
    )


def test_a_cell_with_two_numbers_keeps_the_first_and_the_cell_as_written(tmp_path: Path) -> None:
    phone, warnings, kept = phone_of(tmp_path, "+441612052714;+441612052715", **UK_ORGANIZATION)
    assert phone == "+441612052714"
    assert warnings == [
        "organizations.csv:2: PHONE: holds 2 phone numbers: the first is kept "
        f"(the cell is kept as written in its practitioners' meta_data.{AS_WRITTEN})"
    ]
    assert kept == "+441612052714;+441612052715"


def test_a_number_a_spreadsheet_turned_into_scientific_notation_is_named_so(tmp_path: Path) -> None:
    phone, [warning], kept = phone_of(tmp_path, "4.41612E+11", **UK_ORGANIZATION)
    assert (phone, kept) == (None, "4.41612E+11")
    assert "(a spreadsheet's number format: digits are lost)" in warning


def test_the_practitioners_of_an_organization_keep_its_unusable_phone_as_written(tmp_path: Path) -> None:
    record = only_record(read_providers(tmp_path, [PROVIDER], [{**ORGANIZATION, "PHONE": "871-595-3366"}], "GB"))
    assert record.practitioner.organization is not None
    assert record.practitioner.organization.phone is None
    assert record.practitioner.meta_data == {AS_WRITTEN: {"organization.phone": "871-595-3366"}}
    assert record.warnings == ()  # the warning is the organization's row's, once


# --- what costs a row, and what does not ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"NAME": "Cher12"}, "providers.csv:2: NAME: needs a first and a last name separated by a space"),
        ({"NAME": ""}, "providers.csv:2: NAME: needs a first and a last name separated by a space"),
        ({"Id": ""}, "providers.csv:2: Id: blank: the Id is the practitioner's external id"),
    ],
)
def test_a_provider_without_id_or_name_is_rejected_naming_the_column(
    tmp_path: Path, changes: dict[str, str], expected: str
) -> None:
    (rejection,) = read_providers(tmp_path, [{**PROVIDER, **changes}], [ORGANIZATION])
    assert isinstance(rejection, Rejection)
    assert str(rejection) == expected


def test_an_unknown_gender_code_is_left_out_with_a_warning(tmp_path: Path) -> None:
    record = only_record(read_providers(tmp_path, [{**PROVIDER, "GENDER": "Q"}], [ORGANIZATION]))
    assert record.practitioner.gender is AdministrativeGender.UNKNOWN
    assert [str(w) for w in record.warnings] == [
        "providers.csv:2: GENDER: not a gender code 'Q' (M or F): left out (gender unknown)"
    ]
    assert "gender" not in record.provided


def test_an_organization_that_is_not_there_is_left_out_and_the_provider_imports(tmp_path: Path) -> None:
    record = only_record(read_providers(tmp_path, [{**PROVIDER, "ORGANIZATION": "nope"}], [ORGANIZATION]))
    assert record.practitioner.organization is None
    assert [str(w) for w in record.warnings] == [
        "providers.csv:2: ORGANIZATION: no organization with Id 'nope' in organizations.csv: "
        "imported without its organization"
    ]
    assert "organization" not in record.provided  # an existing practitioner keeps its practice


def test_a_provider_of_a_rejected_organization_imports_without_it_and_both_are_reported(tmp_path: Path) -> None:
    found = organizations(tmp_path, [{**ORGANIZATION, "NAME": ""}])
    path = write_csv(tmp_path / "providers.csv", PROVIDERS_HEADER, [PROVIDER])
    record = only_record(list(ProvidersFile(path).records(found)))
    assert [str(r) for r in found.rejections] == ["organizations.csv:2: NAME: the organization needs a name"]
    assert record.practitioner.organization is None
    assert [str(w) for w in record.warnings] == [
        "providers.csv:2: ORGANIZATION: the organization's row organizations.csv:2 was rejected: "
        "imported without its organization"
    ]


def test_a_repeated_organization_id_is_left_out_with_a_warning_and_the_first_stands(tmp_path: Path) -> None:
    found = organizations(tmp_path, [ORGANIZATION, {**ORGANIZATION, "NAME": "ANOTHER NAME"}])
    assert found.rejections == []
    assert [str(w) for w in found.warnings] == ["organizations.csv:3: Id: repeats the organization of line 2: left out"]
    assert found.by_id[ORG_ID].name == "CHADRON COMMUNITY HOSPITAL CORP"


def test_a_provider_listed_once_per_speciality_is_imported_once_with_its_first_row(tmp_path: Path) -> None:
    rows = [PROVIDER, {**PROVIDER, "SPECIALITY": "CLINICAL NURSE SPECIALIST"}, {**PROVIDER, "SPECIALITY": ""}]
    first, second, third = read_providers(tmp_path, rows, [ORGANIZATION])
    assert isinstance(first, PractitionerRecord)
    assert first.practitioner.speciality == "GENERAL PRACTICE"
    assert str(second) == (
        "providers.csv:3: Id: repeats the provider of line 2, which is kept: this row "
        "(SPECIALITY 'CLINICAL NURSE SPECIALIST') is left out"
    )
    assert str(third) == "providers.csv:4: Id: repeats the provider of line 2: this row is left out"
    assert isinstance(second, ValueWarning)
    assert isinstance(third, ValueWarning)


def test_practitioner_reports_from_the_use_case_are_named_by_csv_column() -> None:
    source = SourceRef("providers.csv", 4)
    rejection = ProvidersFile.column_of(Rejection(source, "organization.phone", "not a valid phone number"))
    assert str(rejection) == "providers.csv:4: ORGANIZATION: phone: not a valid phone number"
    assert ProvidersFile.column_of(Rejection(source, "external_id", "repeats the external_id of line 2")).field == "Id"
    warning = ProvidersFile.column_of(ValueWarning(source, "speciality", "too long: left out"))
    assert str(warning) == "providers.csv:4: SPECIALITY: too long: left out"
