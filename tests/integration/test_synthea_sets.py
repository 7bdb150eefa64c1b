"""Real Synthea exports lose nothing: every shipped set imports into a US and a GB tenant with no
rejected practitioner and every encounter an appointment, and what is said is said by file, line
and column. On SQLite and on PostgreSQL.

The sets are the ones whose licence lets us ship them: ``samples/synthea`` (set A, MIT) and
``tests/data/synthea/set_B_ablack3_107pt`` (Apache-2.0); ``scripts/check_synthea_sets.py`` runs the
same check over every set of a folder, including those we may not redistribute.
"""

import io
import re
import shutil
from collections import Counter
from pathlib import Path
from uuid import UUID

import msgspec
import phonenumbers
import pytest
from rich.console import Console

from prm.adapters.inbound.synthea.reader import AS_WRITTEN
from prm.application.appointments.list_appointments import ListAppointments
from prm.application.appointments.ports import AppointmentCriteria
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.practitioners.list_practitioners import ListPractitioners, ListPractitionersQuery
from prm.application.practitioners.ports import PractitionerRepository
from prm.application.shared.paging import PageRequest
from prm.domain.practitioners.model import Practitioner
from prm.entrypoints.cli.imports import run_synthea_import
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import create_tenant
from tests.integration.test_synthea_import import csv_rows, skipped, summary

ROOT = Path(__file__).parents[2]
SETS = {"A": ROOT / "samples" / "synthea", "B": ROOT / "tests" / "data" / "synthea" / "set_B_ablack3_107pt"}
WARNING = re.compile(r"^warning: (?P<file>\w+\.csv):(?P<line>\d+): (?P<column>[A-Za-z_]+): \S")
SET_B_PHONE = "warning: organizations.csv:54: PHONE: not a valid phone number in US '508-393-72236': left out"


async def tenant_in(settings: Settings, region: str) -> UUID:
    """A new tenant whose phone region is ``region``."""
    tenant_id = await create_tenant(msgspec.structs.replace(settings, default_phone_region=region))
    async with Prm.open(settings, tenant_id=tenant_id) as prm:
        assert prm.context.phone_region == region
    return tenant_id


async def totals(settings: Settings, tenant_id: UUID) -> tuple[int, int, int]:
    """Patients, practitioners and appointments of the tenant."""
    async with Prm.open(settings, tenant_id=tenant_id) as prm:
        patients = await prm.run(ListPatients, ListPatientsQuery(page=PageRequest(1, 1)))
        practitioners = await prm.run(ListPractitioners, ListPractitionersQuery(page=PageRequest(1, 1)))
        appointments = await prm.run(ListAppointments, AppointmentCriteria(), PageRequest(1, 1))
    return patients.total, practitioners.total, appointments.total


async def practitioners_of(settings: Settings, tenant_id: UUID, external_ids: set[str]) -> dict[str, Practitioner]:
    async with Prm.open(settings, tenant_id=tenant_id) as prm, prm.unit() as unit:
        repository: PractitionerRepository = await unit.get(PractitionerRepository)
        return await repository.get_many_by_external_id(external_ids)


@pytest.mark.parametrize("region", ["US", "GB"])
@pytest.mark.parametrize("name", sorted(SETS))
async def test_a_shipped_set_imports_without_a_rejection_or_a_lost_encounter(
    settings: Settings, name: str, region: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = SETS[name]
    tenant_id = await tenant_in(settings, region)

    code = await run_synthea_import(settings, folder, tenant_id=tenant_id, progress=False)

    out, err = capsys.readouterr()
    assert code == 0, err
    table = summary(out)
    providers = csv_rows(folder, "providers.csv")
    encounters = csv_rows(folder, "encounters.csv")
    patients = csv_rows(folder, "patients.csv")
    distinct_providers = {row["Id"] for row in providers}
    assert {f: row["rejected"] for f, row in table.items()} == dict.fromkeys(
        ("organizations.csv", "providers.csv", "patients.csv", "encounters.csv"), "0"
    )
    assert table["providers.csv"]["created"] == str(len(distinct_providers))
    assert table["encounters.csv"]["created"] == table["encounters.csv"]["rows"] == str(len(encounters))
    assert await totals(settings, tenant_id) == (len(patients), len(distinct_providers), len(encounters))

    # Every warning names file, line and column, and the summary counts the same warnings.
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert all(WARNING.match(line) for line in warnings), warnings
    by_file = Counter(WARNING.match(line)["file"] for line in warnings)  # type: ignore[index]
    assert {f: int(row["warnings"]) for f, row in table.items() if int(row["warnings"])} == dict(by_file)
    if name == "B":  # an eleven-digit phone, and providers listed once per speciality
        assert [line for line in warnings if "organizations.csv" in line] == [
            f"{SET_B_PHONE} (the cell is kept as written in its practitioners' meta_data.{AS_WRITTEN})"
        ]
        repeats = [WARNING.match(line) for line in warnings if line.startswith("warning: providers.csv:")]
        assert len(repeats) == len(providers) - len(distinct_providers) == 227
        first_line: dict[str, int] = {}
        for line, row in enumerate(providers, start=2):
            first_line.setdefault(row["Id"], line)
        for match in repeats:
            assert match is not None
            assert match["column"] == "Id"
            assert first_line[providers[int(match["line"]) - 2]["Id"]] < int(match["line"])
    else:
        assert warnings == []


@pytest.mark.parametrize("region", ["US", "GB"])
async def test_us_phones_stay_us_numbers_in_any_tenant_and_a_bad_one_is_kept_as_written(
    settings: Settings, region: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = SETS["B"]
    tenant_id = await tenant_in(settings, region)
    assert await run_synthea_import(settings, folder, tenant_id=tenant_id, progress=False) == 0
    capsys.readouterr()

    organizations = {row["Id"]: row for row in csv_rows(folder, "organizations.csv")}
    providers = {row["Id"]: row for row in csv_rows(folder, "providers.csv")}
    stored = await practitioners_of(settings, tenant_id, set(providers))
    assert len(stored) == len(providers)
    for external_id, practitioner in stored.items():
        organization = practitioner.details.organization
        source = organizations[providers[external_id]["ORGANIZATION"]]
        assert organization is not None
        assert organization.external_id == source["Id"]
        if source["PHONE"] == "508-393-72236":  # line 54: no valid number
            assert organization.phone is None
            assert practitioner.details.meta_data == {AS_WRITTEN: {"organization.phone": "508-393-72236"}}
        elif source["PHONE"]:
            expected = phonenumbers.format_number(phonenumbers.parse(source["PHONE"], "US"), 0)
            assert organization.phone == expected
            assert expected.startswith("+1")
        assert practitioner.details.address is not None
        assert practitioner.details.address.country == "US"


async def test_a_second_run_of_a_set_with_warnings_changes_nothing(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant_id = await tenant_in(settings, "GB")
    assert await run_synthea_import(settings, SETS["B"], tenant_id=tenant_id, progress=False) == 0
    capsys.readouterr()

    assert await run_synthea_import(settings, SETS["B"], tenant_id=tenant_id, batch_size=64, progress=False) == 0

    table = summary(capsys.readouterr().out)
    assert table["providers.csv"] == {"rows": "580", "created": "0", "updated": "0", "unchanged": "580",
                                      "rejected": "0", "warnings": "227"}  # fmt: skip
    assert table["encounters.csv"]["unchanged"] == "1274"


async def test_a_set_without_encounters_names_the_missing_file_and_imports_the_rest(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("patients.csv", "providers.csv", "organizations.csv"):
        shutil.copy(SETS["B"] / name, tmp_path)
    (tmp_path / "allergies.csv").write_text("START,STOP,PATIENT\n")

    assert await run_synthea_import(settings, tmp_path, progress=False) == 0

    out = capsys.readouterr().out
    assert "encounters.csv" not in summary(out)
    assert skipped(out) == [
        "encounters.csv: not in the folder: no appointments imported",
        "allergies.csv: not imported (PRM does not read this kind of file)",
    ]


async def test_an_empty_file_and_one_of_an_unknown_layout_are_reported_and_the_rest_imported(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("providers.csv", "organizations.csv"):
        shutil.copy(SETS["B"] / name, tmp_path)
    (tmp_path / "patients.csv").write_text("")
    (tmp_path / "encounters.csv").write_text("Id;START;STOP;PATIENT;PROVIDER\n")

    assert await run_synthea_import(settings, tmp_path, progress=False) == 1

    out = capsys.readouterr().out
    assert summary(out)["providers.csv"]["created"] == "353"
    assert skipped(out) == [
        "patients.csv: the file is empty (no header row): no patients imported",
        "encounters.csv: unknown column layout: none of the columns Id, START, STOP, PATIENT, PROVIDER in the "
        "first line (not a Synthea file, or its header row is missing) (the fields seem to be separated by "
        "something other than commas): no appointments imported",
    ]


async def test_nothing_importable_is_exit_code_2_naming_each_file(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "patients.csv").write_text("")
    (tmp_path / "providers.csv").write_text("Name,Phone\nx,y\n")

    assert await run_synthea_import(settings, tmp_path, progress=False) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert "nothing PRM can import: patients.csv: the file is empty" in err
    assert "providers.csv: unknown column layout" in err


async def test_a_file_whose_every_row_is_rejected_is_exit_code_2(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "patients.csv").write_text("Id,FIRST,LAST,BIRTHDATE\np1,Ann1,Lee2,soon\np2,Bob3,Ray4,later\n")
    assert await run_synthea_import(settings, tmp_path, progress=False) == 2
    out, err = capsys.readouterr()
    assert summary(out)["patients.csv"]["rejected"] == "2"
    assert err.splitlines()[:2] == [
        "patients.csv:2: BIRTHDATE: not a date 'soon'",
        "patients.csv:3: BIRTHDATE: not a date 'later'",
    ]


async def test_the_summary_shows_the_tenant_by_slug(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    tenant_id = await create_tenant(settings, slug="st-marys-synthea")
    capsys.readouterr()  # the set-up's own log lines
    assert await run_synthea_import(settings, SETS["B"], tenant_id=tenant_id, progress=False) == 0
    first = capsys.readouterr().out.splitlines()[0].strip()
    assert first == f"Synthea import into st-marys-synthea (tenant {tenant_id})"


async def test_log_lines_during_an_import_print_above_the_progress_bars(settings: Settings, tmp_path: Path) -> None:
    for name in ("providers.csv", "organizations.csv"):
        shutil.copy(SETS["B"] / name, tmp_path)
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, highlight=False, soft_wrap=True)

    code = await run_synthea_import(
        settings, tmp_path, batch_size=50, console=console, out=Console(file=io.StringIO()), progress=True
    )

    assert code == 0
    text = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue())  # colours off; cursor moves and erases stay
    logged = [m.start() for m in re.finditer(r"\d{4}-\d\d-\d\dT\S+Z \[warning\s*\] synthea_file\.imported", text)]
    assert len(logged) == 2  # organizations.csv (a bad phone) and providers.csv (repeated rows), while bars are live
    for start in logged:
        # A log line starts a line of its own: after a newline, or after the erase that clears the bars
        # for it, never glued to the end of a bar ("providers.csv ━━━━ 50/580 0:00:00<log line>").
        assert text[:start].endswith(("\n", "\r\x1b[2K")), repr(text[max(0, start - 80) : start])
        line = text[start : text.index("\n", start)]
        assert "━" not in line
        assert "/580" not in line
    assert text.count("warning: providers.csv:") == 227
    assert re.search(r"providers\.csv\s+━+ 580/580", text)
