"""``prm import synthea`` end to end on the bundled sample, on SQLite and on PostgreSQL."""

import asyncio
import csv
import shutil
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from prm.adapters.inbound.synthea.reader import DRIVERS_SYSTEM, MRN_SYSTEM, PASSPORT_SYSTEM, SSN_SYSTEM
from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.practitioners.list_practitioners import ListPractitioners, ListPractitionersQuery
from prm.application.shared.paging import PageRequest
from prm.domain.patients.errors import PatientNotFound
from prm.domain.patients.model import MRN_TYPE, Patient, PatientStatus
from prm.domain.shared.person import AdministrativeGender
from prm.entrypoints.cli.imports import run_synthea_import
from prm.entrypoints.cli.main import main
from prm.entrypoints.library import Prm
from prm.settings import Settings

SAMPLE = Path(__file__).parents[2] / "samples" / "synthea"
ALICE = "982192b6-6843-4011-ef46-32caaf87d8a9"  # a child: no marital status, no driver's licence
MARIA = "aa8ab6d8-ddde-63d6-238b-460b81072c46"  # FIRST "María Eugenia578", a maiden name
WALLACE = "ca131414-b5fc-8ca8-3530-18098789a289"  # died in 2012


def csv_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def summary(out: str) -> dict[str, dict[str, str]]:
    """The summary table printed on stdout, by file name."""
    headings = ("rows", "created", "updated", "unchanged", "rejected", "warnings")
    rows = [line.split() for line in out.splitlines() if line.split()[:1] and line.split()[0].endswith(".csv")]
    return {row[0]: dict(zip(headings, row[1:7], strict=True)) for row in rows}


def skipped(out: str) -> list[str]:
    """The lines of the summary's ``skipped:`` part."""
    lines = out.splitlines()
    start = lines.index("skipped:") if "skipped:" in lines else len(lines)
    return [line.strip() for line in lines[start + 1 :] if line.startswith("  ")]


async def counts(settings: Settings) -> tuple[int, int]:
    async with Prm.open(settings) as prm:
        patients = await prm.run(ListPatients, ListPatientsQuery(page=PageRequest(1, 1)))
        practitioners = await prm.run(ListPractitioners, ListPractitionersQuery(page=PageRequest(1, 1)))
    return patients.total, practitioners.total


async def patient(settings: Settings, mrn: str) -> Patient:
    async with Prm.open(settings) as prm:
        found: Patient = await prm.run(GetPatientByMrn, mrn)
    return found


async def test_imports_the_sample_and_reads_back_what_the_csv_says(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_synthea_import(settings, SAMPLE, progress=False) == 0

    assert await counts(settings) == (111, 215)
    table = summary(capsys.readouterr().out)
    assert table["patients.csv"] == {
        "rows": "111",
        "created": "111",
        "updated": "0",
        "unchanged": "0",
        "rejected": "0",
        "warnings": "0",
    }
    assert table["providers.csv"] == {
        "rows": "215",
        "created": "215",
        "updated": "0",
        "unchanged": "0",
        "rejected": "0",
        "warnings": "0",
    }
    rows = {row["Id"]: row for row in csv_rows(SAMPLE, "patients.csv")}
    for mrn in (ALICE, MARIA, WALLACE):
        row, found = rows[mrn], await patient(settings, mrn)
        d = found.details
        assert found.mrn == row["Id"]
        assert next(i.system for i in d.identifiers if i.type == MRN_TYPE) == MRN_SYSTEM
        assert d.name.given == tuple(row["FIRST"].split())
        assert d.name.family == row["LAST"]
        assert d.name.prefix == ((row["PREFIX"],) if row["PREFIX"] else ())
        assert d.birth_date == date.fromisoformat(row["BIRTHDATE"])
        assert d.gender is {"M": AdministrativeGender.MALE, "F": AdministrativeGender.FEMALE}[row["GENDER"]]
        assert [a.city for a in d.addresses] == [row["CITY"]]
        assert [a.postal_code for a in d.addresses] == [row["ZIP"]]
        assert {(i.system, i.type): i.value for i in d.identifiers if i.type != MRN_TYPE} == {
            k: v
            for k, v in {
                (SSN_SYSTEM, "SS"): row["SSN"],
                (DRIVERS_SYSTEM, "DL"): row["DRIVERS"],
                (PASSPORT_SYSTEM, "PPN"): row["PASSPORT"],
            }.items()
            if v
        }
    maria = await patient(settings, MARIA)
    assert maria.details.name.given == ("María", "Eugenia578")
    wallace = await patient(settings, WALLACE)
    assert (wallace.status, wallace.details.deceased_date) == (PatientStatus.DECEASED, date(2012, 1, 3))
    assert (await patient(settings, ALICE)).details.marital_status is None


async def test_a_second_run_changes_nothing_and_duplicates_nothing(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_synthea_import(settings, SAMPLE, progress=False) == 0
    capsys.readouterr()

    assert await run_synthea_import(settings, SAMPLE, batch_size=50, progress=False) == 0

    table = summary(capsys.readouterr().out)
    assert table["patients.csv"] == {
        "rows": "111",
        "created": "0",
        "updated": "0",
        "unchanged": "111",
        "rejected": "0",
        "warnings": "0",
    }
    assert table["providers.csv"] == {
        "rows": "215",
        "created": "0",
        "updated": "0",
        "unchanged": "215",
        "rejected": "0",
        "warnings": "0",
    }
    assert await counts(settings) == (111, 215)
    assert (await patient(settings, MARIA)).version == 1


async def test_a_broken_row_is_reported_by_line_and_the_good_rows_are_imported(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = csv_rows(SAMPLE, "patients.csv")[:5]
    rows[2]["BIRTHDATE"] = "1990-13-01"  # the third data row: line 4
    with (tmp_path / "patients.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    assert await run_synthea_import(settings, tmp_path, batch_size=2, progress=False) == 1

    out, err = capsys.readouterr()
    assert [line for line in err.splitlines() if line.startswith("patients.csv:")] == [
        "patients.csv:4: BIRTHDATE: not a date '1990-13-01'"
    ]
    assert summary(out)["patients.csv"] == {"rows": "5", "created": "4", "updated": "0", "unchanged": "0",
                                            "rejected": "1",
                                            "warnings": "0"}  # fmt: skip
    for i, row in enumerate(rows):
        if i == 2:
            with pytest.raises(PatientNotFound):
                await patient(settings, row["Id"])
        else:
            assert (await patient(settings, row["Id"])).details.name.family == row["LAST"]
    for row in rows:  # no personal data on the screen: names, birth dates, addresses
        for value in (row["FIRST"], row["LAST"], row["ADDRESS"], rows[0]["BIRTHDATE"]):
            assert value not in out + err


async def test_a_row_the_database_may_refuse_never_stops_the_job(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = csv_rows(SAMPLE, "patients.csv")[:4]
    rows[1]["Id"] = "x" * 100  # longer than the MRN column of PostgreSQL
    with (tmp_path / "patients.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    code = await run_synthea_import(settings, tmp_path, progress=False)

    assert code in (0, 1)
    if code == 1:  # the whole batch failed, then the rows were retried one by one
        assert capsys.readouterr().err.strip().startswith("patients.csv:3: ")
    for i in (0, 2, 3):
        assert (await patient(settings, rows[i]["Id"])).mrn == rows[i]["Id"]


async def test_two_concurrent_imports_of_the_same_folder_end_with_each_row_once(settings: Settings) -> None:
    codes = await asyncio.gather(
        run_synthea_import(settings, SAMPLE, batch_size=20, progress=False),
        run_synthea_import(settings, SAMPLE, batch_size=20, progress=False),
    )
    assert list(codes) == [0, 0]
    assert await counts(settings) == (111, 215)


async def test_a_folder_without_synthea_files_is_a_usage_error(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_synthea_import(settings, tmp_path / "nowhere", progress=False) == 2
    assert "no such folder" in capsys.readouterr().err
    assert await run_synthea_import(settings, tmp_path, progress=False) == 2
    assert "neither patients.csv nor providers.csv" in capsys.readouterr().err


async def test_an_unmigrated_database_asks_for_prm_db_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}", env="test",
                        default_tenant_id=uuid4(), log_level="warning")  # fmt: skip
    assert await run_synthea_import(settings, SAMPLE, progress=False) == 2
    assert "run `prm db upgrade`" in capsys.readouterr().err


def test_the_command_line_imports_a_folder(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(SAMPLE / "providers.csv", tmp_path)  # providers only, and no organizations.csv
    monkeypatch.setenv("PRM_DATABASE_URL", database_url)
    monkeypatch.setenv("PRM_DEFAULT_TENANT_ID", str(uuid4()))
    monkeypatch.setenv("PRM_LOG_LEVEL", "warning")

    assert main(["import", "synthea", str(tmp_path), "--batch-size", "100"]) == 0

    assert summary(capsys.readouterr().out)["providers.csv"]["created"] == "215"
