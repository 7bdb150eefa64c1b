"""``prm import fhir`` end to end on the Synthea Bulk Data sample (tests/data/fhir), on SQLite and
PostgreSQL: counts against the files, idempotency, bad resources reported with their place."""

import json
import shutil
from pathlib import Path

import pytest

from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.practitioners.list_practitioners import ListPractitioners, ListPractitionersQuery
from prm.application.shared.paging import PageRequest
from prm.domain.patients.model import Patient
from prm.domain.shared.person import AdministrativeGender
from prm.entrypoints.cli.fhir_import import run_fhir_import
from prm.entrypoints.cli.main import main
from prm.entrypoints.library import Prm
from prm.settings import Settings

DATA = Path(__file__).parent.parent / "data" / "fhir"


def _lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text().splitlines() if line.strip()]


def _table(out: str) -> dict[str, list[str]]:
    """The summary rows by ``file kind``: rows, created, updated, unchanged, rejected, warnings."""
    rows = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) >= 8 and words[1] in {"Patient", "Practitioner"}:
            rows[f"{words[0]} {words[1]}"] = words[2:8]
    return rows


async def _counts(settings: Settings) -> tuple[int, int]:
    async with Prm.open(settings) as prm:
        patients = await prm.run(ListPatients, ListPatientsQuery(page=PageRequest(1, 1)))
        practitioners = await prm.run(ListPractitioners, ListPractitionersQuery(page=PageRequest(1, 1)))
    return patients.total, practitioners.total


async def _patient(settings: Settings, mrn: str) -> Patient:
    async with Prm.open(settings) as prm:
        found: Patient = await prm.run(GetPatientByMrn, mrn)
    return found


async def test_imports_ndjson_twice_without_duplicates(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("Patient.000.ndjson", "Practitioner.000.ndjson", "Encounter.head5.ndjson"):
        shutil.copy(DATA / name, tmp_path / name)
    patients, practitioners = len(_lines("Patient.000.ndjson")), len(_lines("Practitioner.000.ndjson"))
    assert await run_fhir_import(settings, tmp_path, progress=False) == 0
    out = capsys.readouterr().out
    table = _table(out)
    assert table["Patient.000.ndjson Patient"][:5] == [str(patients), str(patients), "0", "0", "0"]
    assert table["Practitioner.000.ndjson Practitioner"][:5] == [str(practitioners), str(practitioners), "0", "0", "0"]
    assert "Encounter 5" in out
    assert await _counts(settings) == (patients, practitioners)
    first = json.loads(_lines("Patient.000.ndjson")[0])
    imported = await _patient(settings, first["id"])
    assert imported.details.birth_date is not None
    assert imported.details.birth_date.isoformat() == first["birthDate"]
    assert imported.details.gender is AdministrativeGender(first["gender"])
    assert {i.value for i in imported.details.identifiers} >= {i["value"] for i in first["identifier"]}

    assert await run_fhir_import(settings, tmp_path, progress=False) == 0
    again = _table(capsys.readouterr().out)
    assert again["Patient.000.ndjson Patient"][:5] == [str(patients), "0", "0", str(patients), "0"]
    assert await _counts(settings) == (patients, practitioners)


async def test_reports_bad_resources_with_their_place(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines("Patient.000.ndjson")[:3]
    bad = json.loads(lines[1])
    bad["birthDate"] = "1990-13-01"
    (tmp_path / "some.ndjson").write_text("\n".join([lines[0], json.dumps(bad), "{oops", lines[2]]) + "\n")
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": {"resourceType": "Encounter"}, "request": {"method": "POST", "url": "Encounter"}},
            {
                "resource": {"resourceType": "Patient", "id": "x1", "name": []},
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    assert await run_fhir_import(settings, tmp_path, progress=False) == 1
    captured = capsys.readouterr()
    assert "some.ndjson:2: Patient.birthDate:" in captured.err
    assert "some.ndjson:3: not JSON" in captured.err
    assert "bundle.json:entry:1: Patient.name:" in captured.err
    assert _table(captured.out)["some.ndjson Patient"][:5] == ["4", "2", "0", "0", "2"]
    assert await _counts(settings) == (2, 0)


async def test_cli_usage_errors(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_fhir_import(settings, tmp_path / "absent", progress=False) == 2
    assert await run_fhir_import(settings, tmp_path, progress=False) == 2
    assert "no *.json or *.ndjson file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["import", "fhir", "--help"])
    assert exited.value.code == 0
    assert "exit codes" in capsys.readouterr().out
