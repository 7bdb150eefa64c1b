"""The Synthea CSV reader: column mapping, tolerance of Synthea's column sets, rejections."""

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prm.adapters.synthea.csv_table import count_rows
from prm.adapters.synthea.reader import (
    DRIVERS_SYSTEM,
    MRN_SYSTEM,
    PASSPORT_SYSTEM,
    SSN_SYSTEM,
    OrganizationsFile,
    PatientsFile,
    ProvidersFile,
    SyntheaExport,
    SyntheaFormatError,
)
from prm.application.patients.import_patients import PatientRecord
from prm.application.practitioners.import_practitioners import PractitionerRecord
from prm.application.shared.imports import Rejection, SourceRef
from prm.domain.patients.model import Identifier, MaritalStatus
from prm.domain.practitioners.model import Organization
from prm.domain.shared.contact import Address, AddressUse
from prm.domain.shared.person import AdministrativeGender, HumanName

SAMPLE = Path(__file__).parents[3] / "samples" / "synthea"

# The patients.csv headers of the five Synthea sets in the shared data (newest first) and Synthea 3.3's.
HEADER_A = (
    "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,"
    "BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME"
)
HEADER_B = HEADER_A.replace("FIPS,", "")  # INCOME, no FIPS
HEADER_C = HEADER_B.replace(",INCOME", "")  # neither (sets C, D and E)
HEADER_MIDDLE = HEADER_A.replace("FIRST,LAST", "FIRST,MIDDLE,LAST")
HEADER_MINIMAL = "Id,FIRST,LAST"

ALICE = {
    "Id": "982192b6-6843-4011-ef46-32caaf87d8a9", "BIRTHDATE": "1961-07-20", "DEATHDATE": "", "SSN": "999-49-3983",
    "DRIVERS": "S99923045", "PASSPORT": "X12345678X", "PREFIX": "Mrs.", "FIRST": "Alice368", "LAST": "Gleason633",
    "SUFFIX": "PhD", "MAIDEN": "Olson653", "MARITAL": "M", "RACE": "black", "ETHNICITY": "nonhispanic", "GENDER": "F",
    "BIRTHPLACE": "Omaha  Nebraska  US", "ADDRESS": "406 Kohler Camp", "CITY": "Lincoln", "STATE": "Nebraska",
    "COUNTY": "Lancaster County", "FIPS": "31109", "ZIP": "68504", "LAT": "40.79", "LON": "-96.67",
    "HEALTHCARE_EXPENSES": "5982.12", "HEALTHCARE_COVERAGE": "0.00", "INCOME": "71204",
}  # fmt: skip

PROVIDERS_HEADER = "Id,ORGANIZATION,NAME,GENDER,SPECIALITY,ADDRESS,CITY,STATE,ZIP,LAT,LON,ENCOUNTERS,PROCEDURES"
ORGANIZATIONS_HEADER = "Id,NAME,ADDRESS,CITY,STATE,ZIP,LAT,LON,PHONE,REVENUE,UTILIZATION"
ORG_ID = "97559c44-de61-310e-be16-3f7d841a0742"
ORGANIZATION = {
    "Id": ORG_ID, "NAME": "CHADRON COMMUNITY HOSPITAL CORP", "ADDRESS": "825 CENTENNIAL DRIVE", "CITY": "CRAWFORD",
    "STATE": "NE", "ZIP": "693391143", "LAT": "42.68", "LON": "-103.41", "PHONE": "3084325586", "REVENUE": "0.0",
    "UTILIZATION": "268",
}  # fmt: skip
PROVIDER = {
    "Id": "4f48b4d3-6507-3be0-8b35-d9fcaaa93c46", "ORGANIZATION": ORG_ID, "NAME": "Johna806 Klein929", "GENDER": "F",
    "SPECIALITY": "GENERAL PRACTICE", "ADDRESS": "825 CENTENNIAL DRIVE", "CITY": "CRAWFORD", "STATE": "NE",
    "ZIP": "693391143", "LAT": "42.68", "LON": "-103.41", "ENCOUNTERS": "268", "PROCEDURES": "0",
}  # fmt: skip


def write_csv(path: Path, header: str, rows: Sequence[dict[str, str]]) -> Path:
    """``rows`` under ``header``; a row's keys that the header lacks are left out, missing ones are blank."""
    columns = header.split(",")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def patient(**changes: str) -> dict[str, str]:
    return {**ALICE, **changes}


def read_patients(tmp_path: Path, rows: Sequence[dict[str, str]], header: str = HEADER_A) -> list[object]:
    return list(PatientsFile(write_csv(tmp_path / "patients.csv", header, rows)).records())


def only_record(items: list[object]) -> PatientRecord:
    assert len(items) == 1
    record = items[0]
    assert isinstance(record, PatientRecord), record
    return record


def only_rejection(items: list[object]) -> Rejection:
    assert len(items) == 1
    rejection = items[0]
    assert isinstance(rejection, Rejection), rejection
    return rejection


# --- patients: mapping ------------------------------------------------------------------------


def test_a_patient_row_maps_field_by_field(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [ALICE]))

    assert record.source == SourceRef("patients.csv", 2)
    p = record.patient
    assert (p.mrn, p.mrn_system) == ("982192b6-6843-4011-ef46-32caaf87d8a9", MRN_SYSTEM)
    assert p.name == HumanName(given=("Alice368",), family="Gleason633", prefix=("Mrs.",), suffix=("PhD",))
    assert p.gender is AdministrativeGender.FEMALE
    assert p.birth_date == date(1961, 7, 20)
    assert p.deceased_date is None
    assert p.marital_status is MaritalStatus.MARRIED
    assert p.identifiers == (
        Identifier(SSN_SYSTEM, "999-49-3983", "SS"),
        Identifier(DRIVERS_SYSTEM, "S99923045", "DL"),
        Identifier(PASSPORT_SYSTEM, "X12345678X", "PPN"),
    )
    assert p.addresses == (
        Address(use=AddressUse.HOME, line=("406 Kohler Camp",), city="Lincoln", district="Lancaster County",
                state="Nebraska", postal_code="68504", country=None),
    )  # fmt: skip
    assert p.telecom == ()
    assert p.preferred_language is None


def test_the_source_carries_no_phones_emails_or_language(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [ALICE]))
    assert record.provided == {
        "name", "gender", "birth_date", "deceased_date", "addresses", "marital_status", "identifiers"
    }  # fmt: skip


def test_a_first_name_with_spaces_gives_several_given_names(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [patient(FIRST="Jorge Luis88", LAST="Vela532")]))
    assert record.patient.name.given == ("Jorge", "Luis88")
    assert record.patient.name.family == "Vela532"


def test_a_middle_column_adds_given_names(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [patient(FIRST="Alice368", MIDDLE="Mae12")], HEADER_MIDDLE))
    assert record.patient.name.given == ("Alice368", "Mae12")


def test_a_death_date_makes_the_patient_deceased_on_that_date(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [patient(DEATHDATE="1989-04-30")]))
    assert record.patient.deceased_date == date(1989, 4, 30)


def test_blank_optional_values_are_absent(tmp_path: Path) -> None:
    blank = dict.fromkeys(("DEATHDATE", "SSN", "DRIVERS", "PASSPORT", "PREFIX", "SUFFIX", "MARITAL", "GENDER"), "")
    record = only_record(read_patients(tmp_path, [patient(**blank)]))
    p = record.patient
    assert (p.identifiers, p.name.prefix, p.name.suffix, p.marital_status) == ((), (), (), None)
    assert p.gender is AdministrativeGender.UNKNOWN


def test_an_address_without_a_street_keeps_the_rest(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [patient(ADDRESS="", COUNTY="")]))
    assert record.patient.addresses == (
        Address(use=AddressUse.HOME, city="Lincoln", state="Nebraska", postal_code="68504"),
    )


def test_a_row_without_any_address_part_has_no_address(tmp_path: Path) -> None:
    no_address = dict.fromkeys(("ADDRESS", "CITY", "STATE", "COUNTY", "ZIP"), "")
    assert only_record(read_patients(tmp_path, [patient(**no_address)])).patient.addresses == ()


@pytest.mark.parametrize("code", ["M", "S", "D", "W", "UNK"])
def test_marital_codes_are_hl7_v3_codes(tmp_path: Path, code: str) -> None:
    record = only_record(read_patients(tmp_path, [patient(MARITAL=code)]))
    assert record.patient.marital_status == MaritalStatus(code)


def test_values_are_stripped_and_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text("\ufeffId,FIRST,LAST,BIRTHDATE\n abc , Ann1 , Lee2 , 2001-02-03 \n", encoding="utf-8")
    record = only_record(list(PatientsFile(path).records()))
    assert (record.patient.mrn, record.patient.name.text, record.patient.birth_date) == (
        "abc", "Ann1 Lee2", date(2001, 2, 3))  # fmt: skip


# --- patients: tolerance of column sets ------------------------------------------------------


@pytest.mark.parametrize("header", [HEADER_A, HEADER_B, HEADER_C, HEADER_MIDDLE], ids=["A", "B", "C-E", "3.3"])
def test_every_synthea_column_set_reads_the_same_patient(tmp_path: Path, header: str) -> None:
    record = only_record(read_patients(tmp_path, [ALICE], header))
    assert record.patient.birth_date == date(1961, 7, 20)
    assert record.patient.addresses[0].postal_code == "68504"
    assert record.provided == only_record(read_patients(tmp_path / "a", [ALICE], HEADER_A)).provided


def test_columns_are_found_by_name_in_any_order_and_case(tmp_path: Path) -> None:
    row = {"last": "Gleason633", "Gender": "F", "first": "Alice368", "ID": ALICE["Id"], "birthdate": "1961-07-20"}
    record = only_record(read_patients(tmp_path, [row], "last,Gender,first,ID,birthdate"))
    assert record.patient.name == HumanName(given=("Alice368",), family="Gleason633")
    assert record.patient.mrn == ALICE["Id"]
    assert record.patient.gender is AdministrativeGender.FEMALE


def test_missing_optional_columns_are_not_provided_so_an_update_keeps_those_fields(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [ALICE], HEADER_MINIMAL))
    assert record.provided == {"name", "identifiers"}
    assert record.patient.identifiers == ()
    assert record.patient.birth_date is None


def test_a_header_without_marital_or_address_leaves_those_out(tmp_path: Path) -> None:
    header = ",".join(c for c in HEADER_C.split(",") if c not in {"MARITAL", "ADDRESS", "CITY", "STATE", "COUNTY",
                                                                  "ZIP"})  # fmt: skip
    record = only_record(read_patients(tmp_path, [ALICE], header))
    assert "marital_status" not in record.provided
    assert "addresses" not in record.provided
    assert record.patient.addresses == ()


@pytest.mark.parametrize("column", ["Id", "FIRST", "LAST"])
def test_a_header_without_a_required_column_is_refused_naming_it(tmp_path: Path, column: str) -> None:
    header = ",".join(c for c in HEADER_A.split(",") if c != column)
    with pytest.raises(SyntheaFormatError, match=rf"patients.csv: .*\b{column}\b"):
        PatientsFile(write_csv(tmp_path / "patients.csv", header, [ALICE]))


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "patients.csv").write_text("")
    with pytest.raises(SyntheaFormatError, match="empty"):
        PatientsFile(tmp_path / "patients.csv")


# --- patients: rejections ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"BIRTHDATE": "1990-13-01"}, "BIRTHDATE", "not a date '1990-13-01'"),
        ({"BIRTHDATE": "20/07/1961"}, "BIRTHDATE", "not a date '20/07/1961'"),
        ({"BIRTHDATE": "19610720"}, "BIRTHDATE", "not a date '19610720'"),
        ({"DEATHDATE": "yesterday"}, "DEATHDATE", "not a date 'yesterday'"),
        ({"GENDER": "X"}, "GENDER", "not a gender code 'X' (M or F)"),
        ({"MARITAL": "Q"}, "MARITAL", "not an HL7 v3 marital status code 'Q' (M, S, D, W, ...)"),
        ({"Id": ""}, "Id", "blank: the Id is the patient's MRN"),
        ({"FIRST": "", "LAST": ""}, "FIRST", "FIRST and LAST are both blank: a patient needs a name"),
    ],
)
def test_a_bad_value_rejects_the_row_naming_file_line_and_column(
    tmp_path: Path, changes: dict[str, str], column: str, reason: str
) -> None:
    rejection = only_rejection(read_patients(tmp_path, [patient(**changes)]))
    assert rejection == Rejection(SourceRef("patients.csv", 2), column, reason)


def test_a_rejection_reads_file_line_column_and_reason() -> None:
    rejection = Rejection(SourceRef("patients.csv", 17), "BIRTHDATE", "not a date '1990-13-01'")
    assert str(rejection) == "patients.csv:17: BIRTHDATE: not a date '1990-13-01'"


def test_every_bad_row_is_reported_and_the_good_rows_still_come(tmp_path: Path) -> None:
    rows = [
        patient(Id="p1"),
        patient(Id="p2", BIRTHDATE="1990-13-01"),
        patient(Id="p3"),
        patient(Id="p4", GENDER="unknown"),
        patient(Id="p5", DEATHDATE="1990-02-30"),
        patient(Id="p6"),
    ]
    items = read_patients(tmp_path, rows)

    assert [i.patient.mrn for i in items if isinstance(i, PatientRecord)] == ["p1", "p3", "p6"]
    assert [str(i) for i in items if isinstance(i, Rejection)] == [
        "patients.csv:3: BIRTHDATE: not a date '1990-13-01'",
        "patients.csv:5: GENDER: not a gender code 'unknown' (M or F)",
        "patients.csv:6: DEATHDATE: not a date '1990-02-30'",
    ]


def test_a_rejection_quotes_the_bad_value_cut_to_24_characters(tmp_path: Path) -> None:
    rejection = only_rejection(
        read_patients(tmp_path, [patient(BIRTHDATE="1961-07-20 or so, says Alice368 Gleason633")])
    )
    assert str(rejection) == "patients.csv:2: BIRTHDATE: not a date '1961-07-20 or so, says A…'"


def test_a_row_with_too_few_or_too_many_fields_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text("Id,FIRST,LAST\np1,Ann1,Lee2\np2,Bob3\np3,Cy4,Doe5,extra\n\np4,Di6,Eve7\n", encoding="utf-8")
    items = list(PatientsFile(path).records())
    assert [str(i) for i in items if isinstance(i, Rejection)] == [
        "patients.csv:3: the row has 2 fields where the header has 3",
        "patients.csv:4: the row has 4 fields where the header has 3",
    ]
    assert [i.source.line for i in items if isinstance(i, PatientRecord)] == [2, 6]


def test_a_quoted_value_spanning_lines_keeps_the_line_numbers_right(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text('Id,FIRST,LAST,ADDRESS\np1,Ann1,Lee2,"1 Main St\nFlat 2"\np2,Bob3,Ray4,x\n', encoding="utf-8")
    records = [i for i in PatientsFile(path).records() if isinstance(i, PatientRecord)]
    assert [r.source.line for r in records] == [2, 4]
    assert records[0].patient.addresses[0].line == ("1 Main St\nFlat 2",)


def test_a_row_that_is_not_utf8_is_rejected_and_the_others_read(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_bytes(b"Id,FIRST,LAST\np1,Ann1,Lee2\np2,Jos\xe9,Ray4\np3,Cy5,Doe6\n")
    items = list(PatientsFile(path).records())
    assert [str(i) for i in items if isinstance(i, Rejection)] == ["patients.csv:3: the row is not valid UTF-8 text"]
    assert [i.patient.mrn for i in items if isinstance(i, PatientRecord)] == ["p1", "p3"]


def test_rejections_from_the_use_case_are_named_by_csv_column() -> None:
    source = SourceRef("patients.csv", 9)
    assert PatientsFile.column_of(Rejection(source, "birth_date", "birth date is in the future")) == Rejection(
        source, "BIRTHDATE", "birth date is in the future"
    )
    assert PatientsFile.column_of(Rejection(source, "mrn", "repeats the MRN of line 3")).field == "Id"
    assert PatientsFile.column_of(Rejection(source, None, "x")) == Rejection(source, None, "x")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r\ufffd"), max_size=30))
def test_any_text_as_a_birth_date_gives_a_record_or_a_rejection_naming_the_column(tmp_path: Path, value: str) -> None:
    item = only_record_or_rejection(read_patients(tmp_path, [patient(BIRTHDATE=value)]))
    if isinstance(item, Rejection):
        assert (item.source.line, item.field) == (2, "BIRTHDATE")
    else:
        assert item.patient.birth_date is None or item.patient.birth_date.isoformat() == value.strip()[:10]


def only_record_or_rejection(items: list[object]) -> PatientRecord | Rejection:
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, PatientRecord | Rejection)
    return item


# --- providers and organizations ---------------------------------------------------------------


def read_providers(tmp_path: Path, providers: Sequence[dict[str, str]],
                   organizations: Sequence[dict[str, str]] | None = None) -> list[object]:  # fmt: skip
    path = write_csv(tmp_path / "providers.csv", PROVIDERS_HEADER, providers)
    found = None
    if organizations is not None:
        found = OrganizationsFile(write_csv(tmp_path / "organizations.csv", ORGANIZATIONS_HEADER, organizations)).read()
    return list(ProvidersFile(path).records(found))


def test_a_provider_row_maps_field_by_field_with_its_organization(tmp_path: Path) -> None:
    (record,) = read_providers(tmp_path, [PROVIDER], [ORGANIZATION])
    assert isinstance(record, PractitionerRecord)
    assert record.source == SourceRef("providers.csv", 2)
    p = record.practitioner
    assert (p.first_name, p.last_name, p.middle_name) == ("Johna806", "Klein929", None)
    assert p.gender is AdministrativeGender.FEMALE
    assert p.speciality == "GENERAL PRACTICE"
    assert p.external_id == "4f48b4d3-6507-3be0-8b35-d9fcaaa93c46"
    work = Address(use=AddressUse.WORK, line=("825 CENTENNIAL DRIVE",), city="CRAWFORD", state="NE",
                   postal_code="693391143")  # fmt: skip
    assert p.address == work
    assert p.organization == Organization(
        name="CHADRON COMMUNITY HOSPITAL CORP", phone="3084325586", address=work, external_id=ORG_ID
    )
    assert (p.phone_primary, p.email_primary, p.license_number) == (None, None, None)


def test_a_provider_name_splits_on_its_last_space(tmp_path: Path) -> None:
    (record,) = read_providers(tmp_path, [{**PROVIDER, "NAME": "Julio César525  Laureano185"}], [ORGANIZATION])
    assert isinstance(record, PractitionerRecord)
    assert (record.practitioner.first_name, record.practitioner.last_name) == ("Julio César525", "Laureano185")


def test_an_organization_without_a_phone_has_none(tmp_path: Path) -> None:
    (record,) = read_providers(tmp_path, [PROVIDER], [{**ORGANIZATION, "PHONE": "", "ADDRESS": ""}])
    assert isinstance(record, PractitionerRecord)
    assert record.practitioner.organization is not None
    assert record.practitioner.organization.phone is None
    assert record.practitioner.organization.address == Address(
        use=AddressUse.WORK, city="CRAWFORD", state="NE", postal_code="693391143"
    )


def test_without_organizations_csv_providers_come_without_their_practice(tmp_path: Path) -> None:
    (record,) = read_providers(tmp_path, [PROVIDER])
    assert isinstance(record, PractitionerRecord)
    assert record.practitioner.organization is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"NAME": "Cher12"}, "providers.csv:2: NAME: needs a first and a last name separated by a space"),
        ({"NAME": ""}, "providers.csv:2: NAME: needs a first and a last name separated by a space"),
        ({"GENDER": "Q"}, "providers.csv:2: GENDER: not a gender code 'Q' (M or F)"),
        ({"Id": ""}, "providers.csv:2: Id: blank: the Id is the practitioner's external id"),
        (
            {"ORGANIZATION": "nope"},
            "providers.csv:2: ORGANIZATION: no organization with Id 'nope' in organizations.csv",
        ),
    ],
)
def test_a_bad_provider_row_is_rejected_naming_the_column(
    tmp_path: Path, changes: dict[str, str], expected: str
) -> None:
    (rejection,) = read_providers(tmp_path, [{**PROVIDER, **changes}], [ORGANIZATION])
    assert str(rejection) == expected


def test_a_provider_of_a_rejected_organization_is_rejected_and_both_are_reported(tmp_path: Path) -> None:
    organizations = OrganizationsFile(
        write_csv(tmp_path / "organizations.csv", ORGANIZATIONS_HEADER, [{**ORGANIZATION, "NAME": ""}])
    ).read()
    (rejection,) = ProvidersFile(write_csv(tmp_path / "providers.csv", PROVIDERS_HEADER, [PROVIDER])).records(
        organizations
    )
    assert [str(r) for r in organizations.rejections] == ["organizations.csv:2: NAME: the organization needs a name"]
    assert str(rejection) == "providers.csv:2: ORGANIZATION: the organization's row organizations.csv:2 was rejected"


def test_a_repeated_organization_id_is_rejected(tmp_path: Path) -> None:
    organizations = OrganizationsFile(
        write_csv(tmp_path / "organizations.csv", ORGANIZATIONS_HEADER, [ORGANIZATION, ORGANIZATION])
    ).read()
    assert [str(r) for r in organizations.rejections] == ["organizations.csv:3: Id: repeats the Id of line 2"]
    assert list(organizations.by_id) == [ORG_ID]


def test_practitioner_rejections_from_the_use_case_are_named_by_csv_column() -> None:
    source = SourceRef("providers.csv", 4)
    rejection = ProvidersFile.column_of(Rejection(source, "organization.phone", "not a valid phone number"))
    assert str(rejection) == "providers.csv:4: ORGANIZATION: phone: not a valid phone number"
    assert ProvidersFile.column_of(Rejection(source, "external_id", "repeats the external_id of line 2")).field == "Id"


# --- the folder and the bundled sample ------------------------------------------------------


def test_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SyntheaFormatError, match="no such folder"):
        SyntheaExport(tmp_path / "missing")


def test_a_folder_without_patients_or_providers_is_refused(tmp_path: Path) -> None:
    write_csv(tmp_path / "organizations.csv", ORGANIZATIONS_HEADER, [ORGANIZATION])
    with pytest.raises(SyntheaFormatError, match=r"neither patients\.csv nor providers\.csv"):
        SyntheaExport(tmp_path)


def test_a_folder_with_providers_only_is_fine(tmp_path: Path) -> None:
    write_csv(tmp_path / "providers.csv", PROVIDERS_HEADER, [PROVIDER])
    export = SyntheaExport(tmp_path)
    assert export.patients is None
    assert export.providers is not None
    assert export.organizations is None


def test_the_bundled_sample_reads_without_a_rejection() -> None:
    export = SyntheaExport(SAMPLE)
    assert export.patients is not None
    assert export.providers is not None
    assert export.organizations is not None
    organizations = export.organizations.read()
    patients = list(export.patients.records())
    providers = list(export.providers.records(organizations))
    assert organizations.rejections == []
    assert (len(organizations.by_id), organizations.rows) == (215, 215)
    assert all(isinstance(p, PatientRecord) for p in patients)
    assert all(isinstance(p, PractitionerRecord) and p.practitioner.organization for p in providers)
    assert (len(patients), len(providers)) == (111, 215)
    assert (export.patients.count(), export.providers.count()) == (111, 215)


def test_count_rows_counts_data_lines_with_or_without_a_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    for text, expected in [("a,b\n1,2\n3,4\n", 2), ("a,b\n1,2\n3,4", 2), ("a,b\n", 0), ("", 0)]:
        path.write_text(text)
        assert count_rows(path) == expected
