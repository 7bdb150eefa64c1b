"""The reader of Synthea's encounters.csv: columns, times, rejections by line and column."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from prm.adapters.inbound.synthea.csv_table import SyntheaFormatError
from prm.adapters.inbound.synthea.encounters import EncountersFile
from prm.adapters.inbound.synthea.reader import SyntheaExport
from prm.application.appointments.import_encounters import OPTIONAL_FIELDS, EncounterRecord
from prm.application.shared.imports import Rejection, SourceRef, ValueWarning
from prm.domain.appointments.model import Period, TimeSlot
from tests.unit.synthea.test_reader import write_csv

SAMPLE = Path(__file__).parents[3] / "samples" / "synthea"

# The header of all four sets with encounters in the shared data (A to D), and a reduced one.
HEADER = (
    "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,BASE_ENCOUNTER_COST,"
    "TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION"
)
HEADER_MINIMAL = "ID,START,STOP,PATIENT,PROVIDER"  # column names are matched case-insensitively

ENCOUNTER = {
    "Id": "3c1c5636-2c43-bd4b-6eab-9eabf5929c55", "START": "2022-07-20T07:13:55Z", "STOP": "2022-07-20T07:28:55Z",
    "PATIENT": "982192b6-6843-4011-ef46-32caaf87d8a9", "ORGANIZATION": "ef1f19e7-b08a-3a0d-bdd1-4020f5c1a62f",
    "PROVIDER": "5e471446-a56a-3917-b36c-2e4ca4c107d3", "PAYER": "e03e23c9-4df1-3eb6-a62d-f70f02301496",
    "ENCOUNTERCLASS": "ambulatory", "CODE": "185345009", "DESCRIPTION": "Encounter for symptom (procedure)",
    "BASE_ENCOUNTER_COST": "83.87", "TOTAL_CLAIM_COST": "897.65", "PAYER_COVERAGE": "0.00",
    "REASONCODE": "10509002", "REASONDESCRIPTION": "Acute bronchitis (disorder)",
}  # fmt: skip


def encounter(**changes: str) -> dict[str, str]:
    return {**ENCOUNTER, **changes}


def read(
    tmp_path: Path, *rows: dict[str, str], header: str = HEADER
) -> list[EncounterRecord | Rejection | ValueWarning]:
    return list(EncountersFile(write_csv(tmp_path / "encounters.csv", header, rows)).records())


def test_a_row_becomes_a_past_encounter_with_type_and_reason(tmp_path: Path) -> None:
    [record] = read(tmp_path, encounter())
    assert record == EncounterRecord(
        source=SourceRef("encounters.csv", 2),
        external_id=ENCOUNTER["Id"],
        patient_mrn=ENCOUNTER["PATIENT"],
        practitioner_external_id=ENCOUNTER["PROVIDER"],
        slot=TimeSlot(datetime(2022, 7, 20, 7, 13, 55, tzinfo=UTC), datetime(2022, 7, 20, 7, 28, 55, tzinfo=UTC)),
        appointment_type="ambulatory",
        reason_text="Encounter for symptom (procedure); reason: Acute bronchitis (disorder)",
        optional=OPTIONAL_FIELDS,  # a type or reason too long is left out, not the encounter
    )


def test_the_reason_is_whichever_description_is_given(tmp_path: Path) -> None:
    records = read(
        tmp_path,
        encounter(REASONDESCRIPTION=""),
        encounter(DESCRIPTION="", Id="b"),
        encounter(DESCRIPTION="", REASONDESCRIPTION="", ENCOUNTERCLASS="", Id="c"),
    )
    assert [(r.reason_text, r.appointment_type) for r in records if isinstance(r, EncounterRecord)] == [
        ("Encounter for symptom (procedure)", "ambulatory"),
        ("Acute bronchitis (disorder)", "ambulatory"),
        (None, None),
    ]


def test_times_with_an_offset_are_turned_to_utc(tmp_path: Path) -> None:
    [record] = read(tmp_path, encounter(START="2022-07-20T09:13:55+02:00", STOP="2022-07-20T09:28:55+02:00"))
    assert isinstance(record, EncounterRecord)
    assert record.slot.starts_at == datetime(2022, 7, 20, 7, 13, 55, tzinfo=UTC)
    assert record.slot.starts_at.tzinfo is UTC


def test_a_stay_of_several_days_keeps_its_real_length(tmp_path: Path) -> None:
    [record] = read(tmp_path, encounter(ENCOUNTERCLASS="inpatient", STOP="2022-07-29T07:13:55Z"))
    assert isinstance(record, EncounterRecord)
    assert isinstance(record.slot, Period)
    assert record.slot.duration.days == 9


def test_a_minimal_header_with_other_case_reads_the_same(tmp_path: Path) -> None:
    row = {"ID": ENCOUNTER["Id"], **{k: ENCOUNTER[k] for k in ("START", "STOP", "PATIENT", "PROVIDER")}}
    [record] = read(tmp_path, row, header=HEADER_MINIMAL)
    assert isinstance(record, EncounterRecord)
    assert (record.external_id, record.appointment_type, record.reason_text) == (ENCOUNTER["Id"], None, None)


@pytest.mark.parametrize("missing", ["Id", "START", "STOP", "PATIENT", "PROVIDER"])
def test_a_header_without_a_required_column_is_refused(tmp_path: Path, missing: str) -> None:
    header = ",".join(c for c in HEADER.split(",") if c != missing)
    with pytest.raises(
        SyntheaFormatError, match=f"encounters.csv: unknown column layout: the header lacks .*{missing}"
    ):
        read(tmp_path, encounter(), header=header)


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"Id": ""}, "Id", "blank"),
        ({"PATIENT": ""}, "PATIENT", "blank"),
        ({"PROVIDER": ""}, "PROVIDER", "blank"),
        ({"START": ""}, "START", "blank"),
        ({"START": "yesterday"}, "START", "not an RFC 3339 date-time 'yesterday'"),
        ({"START": "2022-07-20"}, "START", "not a date-time with a zone"),
        ({"STOP": "2022-07-20T07:28:55"}, "STOP", "not a date-time with a zone"),
        ({"STOP": "2022-07-20T07:13:55Z"}, "STOP", "not after START"),
        ({"START": "1000-01-01T00:00:00Z", "STOP": "1000-01-01T00:10:00Z"}, "START", "start_time must be from"),
    ],
)
def test_a_bad_row_is_rejected_with_its_line_and_column(
    tmp_path: Path, changes: dict[str, str], column: str, reason: str
) -> None:
    first, bad, last = read(tmp_path, encounter(Id="a"), encounter(**{"Id": "b", **changes}), encounter(Id="c"))
    assert isinstance(first, EncounterRecord)
    assert isinstance(last, EncounterRecord)
    assert isinstance(bad, Rejection)
    assert (bad.source, bad.field) == (SourceRef("encounters.csv", 3), column)
    assert reason in bad.reason
    assert str(bad).startswith(f"encounters.csv:3: {column}:")


def test_a_rejection_quotes_at_most_the_bad_value(tmp_path: Path) -> None:
    [bad] = read(tmp_path, encounter(START="not a time at all, and a long one too"))
    assert isinstance(bad, Rejection)
    assert ENCOUNTER["PATIENT"] not in bad.reason
    assert "…" in bad.reason


def test_rejections_and_warnings_from_the_use_case_get_their_csv_column() -> None:
    source = SourceRef("encounters.csv", 9)
    assert EncountersFile.column_of(Rejection(source, "reason_text", "too long")).field == "DESCRIPTION"
    assert EncountersFile.column_of(Rejection(source, "slot", "in the future")).field == "START"
    assert EncountersFile.column_of(Rejection(source, "end_time", "too late")).field == "STOP"
    assert EncountersFile.column_of(Rejection(source, "PATIENT", "unknown")).field == "PATIENT"
    warning = EncountersFile.column_of(ValueWarning(source, "appointment_type", "too long: left out"))
    assert warning == ValueWarning(source, "ENCOUNTERCLASS", "too long: left out")


def test_an_empty_file_is_refused_as_empty(tmp_path: Path) -> None:
    (tmp_path / "encounters.csv").write_text("\n")
    with pytest.raises(SyntheaFormatError, match=r"^encounters.csv: the file is empty \(no header row\)$"):
        EncountersFile(tmp_path / "encounters.csv")


def test_the_export_has_encounters_only_when_the_file_is_there(tmp_path: Path) -> None:
    write_csv(tmp_path / "patients.csv", "Id,FIRST,LAST", [{"Id": "p", "FIRST": "A", "LAST": "B"}])
    assert SyntheaExport(tmp_path).encounters is None
    write_csv(tmp_path / "encounters.csv", HEADER, [encounter()])
    assert SyntheaExport(tmp_path).encounters is not None


def test_the_bundled_sample_reads_without_a_rejection() -> None:
    encounters = SyntheaExport(SAMPLE).encounters
    assert encounters is not None
    records = list(encounters.records())
    assert all(isinstance(r, EncounterRecord) for r in records)
    assert len(records) == encounters.count() == 7584
    assert len({r.external_id for r in records if isinstance(r, EncounterRecord)}) == 7584
