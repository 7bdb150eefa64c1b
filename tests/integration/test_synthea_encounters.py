"""``prm import synthea`` loads encounters.csv as past appointments, on SQLite and on PostgreSQL."""

import csv
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from prm.application.appointments.list_appointments import ListAppointments
from prm.application.appointments.ports import AppointmentCriteria, AppointmentFinder, PractitionerDirectory
from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.application.shared.paging import PageRequest
from prm.domain.appointments.model import Appointment, AppointmentStatus
from prm.domain.shared.ids import PatientId, PractitionerId
from prm.entrypoints.cli.imports import run_synthea_import
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.integration.test_synthea_import import csv_rows, summary

SAMPLE = Path(__file__).parents[2] / "samples" / "synthea"


async def appointments_of(settings: Settings, mrn: str) -> dict[str, Appointment]:
    """The patient's appointments by external id (the encounter's Id)."""
    async with Prm.open(settings) as prm:
        patient = await prm.run(GetPatientByMrn, mrn)
        async with prm.unit() as unit:
            finder = await unit.get(AppointmentFinder)
            found = await finder.first(AppointmentCriteria(patient_id=PatientId(patient.id)), 1000)
    return {a.external_id: a for a in found if a.external_id is not None}


async def appointment_count(settings: Settings) -> int:
    async with Prm.open(settings) as prm:
        page = await prm.run(ListAppointments, AppointmentCriteria(), PageRequest(1, 1))
    return int(page.total)


async def practitioner_ids(settings: Settings, external_ids: set[str]) -> dict[str, PractitionerId]:
    async with Prm.open(settings) as prm, prm.unit() as unit:
        directory: PractitionerDirectory = await unit.get(PractitionerDirectory)
        return await directory.ids_by_external_id(external_ids)


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


async def test_the_sample_encounters_become_fulfilled_appointments_as_the_csv_says(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_synthea_import(settings, SAMPLE, progress=False) == 0

    table = summary(capsys.readouterr().out)
    assert table["encounters.csv"] == {"rows": "7584", "created": "7584", "updated": "0", "unchanged": "0",
                                       "rejected": "0",
                                       "warnings": "0"}  # fmt: skip
    assert await appointment_count(settings) == 7584
    every = csv_rows(SAMPLE, "encounters.csv")
    mrn = next(r["PATIENT"] for r in every if r["REASONDESCRIPTION"])  # a patient with encounters of both kinds
    rows = [r for r in every if r["PATIENT"] == mrn]
    found = await appointments_of(settings, mrn)
    assert set(found) == {r["Id"] for r in rows}
    practitioners = await practitioner_ids(settings, {r["PROVIDER"] for r in rows})
    with_reason = next(r for r in rows if r["REASONDESCRIPTION"])
    checked = [rows[0], rows[-1], with_reason]
    for row in checked:
        appointment = found[row["Id"]]
        assert appointment.status is AppointmentStatus.FULFILLED
        assert appointment.slot.starts_at == datetime.fromisoformat(row["START"])
        assert appointment.slot.ends_at == datetime.fromisoformat(row["STOP"])
        assert appointment.practitioner_id == practitioners[row["PROVIDER"]]
        assert appointment.appointment_type == row["ENCOUNTERCLASS"]
        assert appointment.location_id is None
        assert appointment.source_channel == "import"
    reason = f"{with_reason['DESCRIPTION']}; reason: {with_reason['REASONDESCRIPTION']}"
    assert found[with_reason["Id"]].reason_text == reason
    without_reason = next(r for r in rows if not r["REASONDESCRIPTION"])
    assert found[without_reason["Id"]].reason_text == without_reason["DESCRIPTION"]


async def test_a_stay_longer_than_a_day_is_kept_and_reads_back(settings: Settings) -> None:
    assert await run_synthea_import(settings, SAMPLE, progress=False) == 0
    stay = next(
        r
        for r in csv_rows(SAMPLE, "encounters.csv")
        if (datetime.fromisoformat(r["STOP"]) - datetime.fromisoformat(r["START"])).days >= 2
    )
    appointment = (await appointments_of(settings, stay["PATIENT"]))[stay["Id"]]
    assert appointment.slot.ends_at == datetime.fromisoformat(stay["STOP"])


async def test_a_second_run_creates_no_appointment(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_synthea_import(settings, SAMPLE, progress=False) == 0
    capsys.readouterr()

    assert await run_synthea_import(settings, SAMPLE, batch_size=700, progress=False) == 0

    assert summary(capsys.readouterr().out)["encounters.csv"] == {
        "rows": "7584", "created": "0", "updated": "0", "unchanged": "7584", "rejected": "0",
        "warnings": "0",
    }  # fmt: skip
    assert await appointment_count(settings) == 7584


async def test_bad_encounter_rows_are_reported_by_line_and_column_and_the_rest_imported(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("patients.csv", "providers.csv", "organizations.csv"):
        shutil.copy(SAMPLE / name, tmp_path)
    rows = csv_rows(SAMPLE, "encounters.csv")[:6]
    rows[1]["START"] = "20/07/2022 07:13"  # line 3: the reader refuses it
    rows[3]["PATIENT"] = "no-such-patient"  # line 5: the use case finds nobody
    rows[4]["ENCOUNTERCLASS"] = "x" * 101  # line 6: too long for the type: left out, the encounter imported
    write_rows(tmp_path / "encounters.csv", rows)

    assert await run_synthea_import(settings, tmp_path, batch_size=2, progress=False) == 1

    out, err = capsys.readouterr()
    assert [line for line in err.splitlines() if "encounters.csv:" in line] == [
        "encounters.csv:3: START: not an RFC 3339 date-time '20/07/2022 07:13'",
        "encounters.csv:5: PATIENT: no imported patient has this Id",
        "warning: encounters.csv:6: ENCOUNTERCLASS: appointment_type is longer than 100 characters: left out",
    ]
    assert summary(out)["encounters.csv"] == {"rows": "6", "created": "4", "updated": "0", "unchanged": "0",
                                              "rejected": "2", "warnings": "1"}  # fmt: skip
    assert await appointment_count(settings) == 4
    assert (await appointments_of(settings, rows[4]["PATIENT"]))[rows[4]["Id"]].appointment_type is None
