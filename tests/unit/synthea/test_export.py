"""The Synthea export folder: which files are read, which are skipped and why, and the shipped sets."""

from pathlib import Path

import pytest

from prm.adapters.inbound.synthea.csv_table import count_rows
from prm.adapters.inbound.synthea.reader import SkippedFile, SyntheaExport, SyntheaFormatError
from prm.application.patients.import_patients import PatientRecord
from prm.application.practitioners.import_practitioners import PractitionerRecord
from prm.application.shared.imports import ValueWarning
from prm.entrypoints.cli.main import parser
from tests.unit.synthea.test_reader import (
    ORGANIZATION,
    ORGANIZATIONS_HEADER,
    PROVIDER,
    PROVIDERS_HEADER,
    SAMPLE,
    SET_B,
    csv_rows,
    write_csv,
)

# --- the folder and the bundled sample ------------------------------------------------------


def test_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SyntheaFormatError, match="no such folder"):
        SyntheaExport(tmp_path / "missing")


def test_a_folder_without_patients_or_providers_is_refused(tmp_path: Path) -> None:
    write_csv(tmp_path / "organizations.csv", ORGANIZATIONS_HEADER, [ORGANIZATION])
    with pytest.raises(SyntheaFormatError, match=r"neither patients\.csv nor providers\.csv"):
        SyntheaExport(tmp_path)


def test_a_folder_whose_files_cannot_be_read_is_refused_naming_each_and_why(tmp_path: Path) -> None:
    (tmp_path / "patients.csv").write_text("")
    (tmp_path / "providers.csv").write_text("who,what\nx,y\n")
    with pytest.raises(SyntheaFormatError) as refused:
        SyntheaExport(tmp_path)
    assert str(refused.value) == (
        f"{tmp_path}: nothing PRM can import: "
        "patients.csv: the file is empty (no header row): no patients imported; "
        "providers.csv: unknown column layout: none of the columns Id, NAME in the first line (not a Synthea file, "
        "or its header row is missing): no practitioners imported; "
        "encounters.csv: not in the folder: no appointments imported"
    )


def test_the_export_names_every_file_it_skips_and_why(tmp_path: Path) -> None:
    write_csv(tmp_path / "providers.csv", PROVIDERS_HEADER, [PROVIDER])
    (tmp_path / "patients.csv").write_text("Id,FIRST\np1,Ann1\n")  # no LAST
    (tmp_path / "allergies.csv").write_text("")
    (tmp_path / "conditions.csv").write_text("START,STOP\n")
    (tmp_path / "notes.txt").write_text("not a CSV file: not named")
    export = SyntheaExport(tmp_path)
    assert (export.patients, export.organizations, export.encounters) == (None, None, None)
    assert export.providers is not None
    assert export.skipped == [
        SkippedFile(
            "patients.csv",
            "unknown column layout: the header lacks the column(s) LAST: no patients imported",
            unreadable=True,
        ),
        SkippedFile("organizations.csv", "not in the folder: practitioners imported without their organization"),
        SkippedFile("encounters.csv", "not in the folder: no appointments imported"),
        SkippedFile("allergies.csv", "not imported (PRM does not read this kind of file)"),
        SkippedFile("conditions.csv", "not imported (PRM does not read this kind of file)"),
    ]


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
    assert organizations.warnings == []
    assert [
        w for r in [*patients, *providers] if isinstance(r, PatientRecord | PractitionerRecord) for w in r.warnings
    ] == []


def test_set_b_reads_without_a_rejection_and_merges_its_repeated_providers() -> None:
    export = SyntheaExport(SET_B)
    assert export.patients is not None
    assert export.providers is not None
    assert export.organizations is not None
    organizations = export.organizations.read("GB")
    items = list(export.providers.records(organizations))
    assert organizations.rejections == []
    assert [str(w) for w in organizations.warnings] == [
        "organizations.csv:54: PHONE: not a valid phone number in US '508-393-72236': left out "
        "(the cell is kept as written in its practitioners' meta_data.as_written)"
    ]
    records = [i for i in items if isinstance(i, PractitionerRecord)]
    repeats = [i for i in items if isinstance(i, ValueWarning)]
    assert (len(records), len(repeats), len(items)) == (353, 227, 580)
    assert {r.practitioner.external_id for r in records} == {r["Id"] for r in csv_rows(SET_B / "providers.csv")}
    assert all(r.warnings == () and r.practitioner.organization is not None for r in records)
    assert all(isinstance(p, PatientRecord) and not p.warnings for p in export.patients.records())


def test_count_rows_counts_data_lines_with_or_without_a_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    for text, expected in [("a,b\n1,2\n3,4\n", 2), ("a,b\n1,2\n3,4", 2), ("a,b\n", 0), ("", 0)]:
        path.write_text(text)
        assert count_rows(path) == expected


def test_the_help_documents_the_exit_codes_and_the_two_kinds_of_report(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["import", "synthea", "--help"])
    text = capsys.readouterr().out
    assert "exit codes:\n  0  every row imported (warnings allowed)\n  1  some rows rejected" in text
    assert "\n  2  nothing imported" in text
    assert "warning: organizations.csv:12: PHONE:" in text
    assert "patients.csv:17: BIRTHDATE:" in text
