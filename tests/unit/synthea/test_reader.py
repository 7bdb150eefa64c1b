"""The Synthea CSV reader: patients' column mapping, tolerance of Synthea's column sets, rejections
and warnings, and the export folder (providers and organizations: ``test_providers``)."""

import csv
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prm.adapters.inbound.synthea.reader import (
    DRIVERS_SYSTEM,
    MRN_SYSTEM,
    PASSPORT_SYSTEM,
    SSN_SYSTEM,
    PatientsFile,
    SyntheaFormatError,
)
from prm.application.patients.import_patients import OPTIONAL_FIELDS, PatientRecord
from prm.application.shared.imports import Rejection, SourceRef, ValueWarning
from prm.domain.patients.model import Identifier, MaritalStatus
from prm.domain.shared.contact import Address, AddressUse
from prm.domain.shared.person import AdministrativeGender, HumanName

SAMPLE = Path(__file__).parents[3] / "samples" / "synthea"
SET_B = Path(__file__).parents[2] / "data" / "synthea" / "set_B_ablack3_107pt"

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


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


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


def warnings_of(record: PatientRecord) -> list[str]:
    return [str(w) for w in record.warnings]


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
                state="Nebraska", postal_code="68504", country="US"),
    )  # fmt: skip
    assert p.telecom == ()
    assert p.preferred_language is None
    assert record.warnings == ()
    assert record.optional <= OPTIONAL_FIELDS
    assert {"deceased_date", "addresses", "identifiers", "marital_status", "gender"} <= record.optional


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
        Address(use=AddressUse.HOME, city="Lincoln", state="Nebraska", postal_code="68504", country="US"),
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
    with pytest.raises(SyntheaFormatError, match=r"^patients.csv: the file is empty \(no header row\)$"):
        PatientsFile(tmp_path / "patients.csv")


def test_a_file_without_its_header_row_is_refused_without_quoting_its_first_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "patients.csv", HEADER_A, [ALICE])
    path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n")  # the data row comes first
    with pytest.raises(SyntheaFormatError) as refused:
        PatientsFile(path)
    message = str(refused.value)
    assert message.startswith("patients.csv: unknown column layout: none of the columns Id, FIRST, LAST in the first")
    assert "header row is missing" in message
    assert ALICE["FIRST"] not in message
    assert ALICE["BIRTHDATE"] not in message


def test_a_file_separated_by_semicolons_is_refused_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "patients.csv").write_text("Id;FIRST;LAST\np1;Ann1;Lee2\n")
    with pytest.raises(SyntheaFormatError, match="separated by something other than commas"):
        PatientsFile(tmp_path / "patients.csv")


# --- patients: rejections ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"BIRTHDATE": "1990-13-01"}, "BIRTHDATE", "not a date '1990-13-01'"),
        ({"BIRTHDATE": "20/07/1961"}, "BIRTHDATE", "not a date '20/07/1961'"),
        ({"BIRTHDATE": "19610720"}, "BIRTHDATE", "not a date '19610720'"),
        ({"Id": ""}, "Id", "blank: the Id is the patient's MRN"),
        ({"FIRST": "", "LAST": ""}, "FIRST", "FIRST and LAST are both blank: a patient needs a name"),
    ],
)
def test_a_value_that_makes_the_row_unusable_rejects_it_naming_file_line_and_column(
    tmp_path: Path, changes: dict[str, str], column: str, reason: str
) -> None:
    rejection = only_rejection(read_patients(tmp_path, [patient(**changes)]))
    assert rejection == Rejection(SourceRef("patients.csv", 2), column, reason)


@pytest.mark.parametrize(
    ("changes", "field", "warning"),
    [
        ({"DEATHDATE": "yesterday"}, "deceased_date", "patients.csv:2: DEATHDATE: not a date 'yesterday': left out"),
        (
            {"GENDER": "X"},
            "gender",
            "patients.csv:2: GENDER: not a gender code 'X' (M or F): left out (gender unknown)",
        ),
        (
            {"MARITAL": "Q"},
            "marital_status",
            "patients.csv:2: MARITAL: not an HL7 v3 marital status code 'Q': left out",
        ),
    ],
)
def test_a_bad_optional_value_is_left_out_with_a_warning_and_the_row_imports(
    tmp_path: Path, changes: dict[str, str], field: str, warning: str
) -> None:
    record = only_record(read_patients(tmp_path, [patient(**changes)]))
    assert warnings_of(record) == [warning]
    p = record.patient
    assert (p.deceased_date, p.marital_status, p.gender) == (
        None if field == "deceased_date" else p.deceased_date,
        None if field == "marital_status" else MaritalStatus.MARRIED,
        AdministrativeGender.UNKNOWN if field == "gender" else AdministrativeGender.FEMALE,
    )
    assert field not in record.provided  # an existing patient keeps the value it has
    assert p.birth_date == date(1961, 7, 20)


def test_an_identifier_over_the_limit_is_left_out_and_the_others_kept(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [patient(PASSPORT="X" * 300)]))
    assert [i.type for i in record.patient.identifiers] == ["SS", "DL"]
    assert warnings_of(record) == ["patients.csv:2: PASSPORT: longer than 255 characters: left out"]


def test_a_row_repeating_an_id_is_left_out_with_a_warning_and_the_first_stands(tmp_path: Path) -> None:
    items = read_patients(tmp_path, [patient(), patient(LAST="Other1"), patient(Id="p2")])
    assert [type(i) for i in items] == [PatientRecord, ValueWarning, PatientRecord]
    assert str(items[1]) == "patients.csv:3: Id: repeats the patient of line 2: this row is left out"


def test_a_rejected_row_does_not_hide_a_later_row_with_its_id(tmp_path: Path) -> None:
    items = read_patients(tmp_path, [patient(BIRTHDATE="soon"), patient()])
    assert [type(i) for i in items] == [Rejection, PatientRecord]


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

    records = [i for i in items if isinstance(i, PatientRecord)]
    assert [r.patient.mrn for r in records] == ["p1", "p3", "p4", "p5", "p6"]
    assert [str(i) for i in items if isinstance(i, Rejection)] == ["patients.csv:3: BIRTHDATE: not a date '1990-13-01'"]
    assert [str(w) for r in records for w in r.warnings] == [
        "patients.csv:5: GENDER: not a gender code 'unknown' (M or F): left out (gender unknown)",
        "patients.csv:6: DEATHDATE: not a date '1990-02-30': left out",
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


# --- patients: the country of a row ----------------------------------------------------------


def test_a_us_row_gets_the_identifier_systems_of_synthea_s_fhir_export(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [ALICE]))
    assert [i.system for i in record.patient.identifiers] == [SSN_SYSTEM, DRIVERS_SYSTEM, PASSPORT_SYSTEM]
    assert record.patient.addresses[0].country == "US"


def test_a_row_of_a_uk_export_gets_gb_and_no_us_ssn(tmp_path: Path) -> None:
    uk = patient(STATE="UnitedKingdom", CITY="Morecambe", COUNTY="Lancashire", ZIP="LA4")
    record = only_record(read_patients(tmp_path, [uk], HEADER_C))
    ssn, drivers, passport = record.patient.identifiers
    assert (ssn.system, ssn.type) == ("https://github.com/synthetichealth/synthea/identifier/ssn/GB", "NI")
    assert drivers.system.endswith("/drivers/GB")
    assert passport.system.endswith("/passport/GB")
    assert SSN_SYSTEM not in {i.system for i in record.patient.identifiers}
    assert record.patient.addresses[0] == Address(use=AddressUse.HOME, line=("406 Kohler Camp",), city="Morecambe",
                                                  district="Lancashire", state="UnitedKingdom", postal_code="LA4",
                                                  country="GB")  # fmt: skip


def test_a_row_whose_country_is_unknown_gets_synthea_systems_without_a_country(tmp_path: Path) -> None:
    record = only_record(read_patients(tmp_path, [patient(STATE="Bayern")]))
    ssn = record.patient.identifiers[0]
    assert (ssn.system, ssn.type) == ("https://github.com/synthetichealth/synthea/identifier/ssn", "SS")
    assert record.patient.addresses[0].country is None


def test_a_country_column_wins_over_the_state_and_is_kept_as_written(tmp_path: Path) -> None:
    header = HEADER_A + ",COUNTRY"
    record = only_record(read_patients(tmp_path, [patient(STATE="Georgia", COUNTRY="United Kingdom")], header))
    assert record.patient.identifiers[0].system.endswith("/ssn/GB")
    assert record.patient.addresses[0].country == "United Kingdom"


def test_rejections_from_the_use_case_are_named_by_csv_column() -> None:
    source = SourceRef("patients.csv", 9)
    assert PatientsFile.column_of(Rejection(source, "birth_date", "birth date is in the future")) == Rejection(
        source, "BIRTHDATE", "birth date is in the future"
    )
    assert PatientsFile.column_of(Rejection(source, "mrn", "repeats the MRN of line 3")).field == "Id"
    assert PatientsFile.column_of(Rejection(source, None, "x")) == Rejection(source, None, "x")
    assert PatientsFile.column_of(ValueWarning(source, "deceased_date", "before the birth date: left out")) == (
        ValueWarning(source, "DEATHDATE", "before the birth date: left out")
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r\ufffd"), max_size=30))
def test_any_text_as_a_birth_date_gives_a_record_or_a_rejection_naming_the_column(tmp_path: Path, value: str) -> None:
    items = read_patients(tmp_path, [patient(BIRTHDATE=value)])
    item = only_record_or_rejection([i for i in items if not isinstance(i, ValueWarning)])  # controls are removed
    if isinstance(item, Rejection):
        assert (item.source.line, item.field) == (2, "BIRTHDATE")
    else:
        written = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value).strip()
        assert item.patient.birth_date is None or item.patient.birth_date.isoformat() == written[:10]


def only_record_or_rejection(items: list[object]) -> PatientRecord | Rejection:
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, PatientRecord | Rejection)
    return item


# --- text PRM refuses over HTTP ------------------------------------------------------------------


def test_control_characters_are_removed_with_a_warning_naming_the_column(tmp_path: Path) -> None:
    items = read_patients(tmp_path, [patient(FIRST="Al\x01ice", CITY="Bos\x00ton")])
    warnings = [str(i) for i in items if isinstance(i, ValueWarning)]
    record = next(i for i in items if isinstance(i, PatientRecord))
    assert warnings == [
        "patients.csv:2: FIRST: control character U+0001 removed",
        "patients.csv:2: CITY: control character U+0000 removed",
    ]
    assert record.patient.name.given[0] == "Alice"
    assert record.patient.addresses[0].city == "Boston"
