"""The in-process library: the same use cases as the API, one transaction per call; the README's
example as a script (``samples/library_example.py``); and one clear line, not an empty database
file, when the database is not migrated."""

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest

from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.search_patients import SearchPatients, SearchPatientsQuery
from prm.application.patients.update_patient import UpdatePatient, UpdatePatientCommand
from prm.domain.patients.errors import PatientNotFound
from prm.domain.shared.person import AdministrativeGender, HumanName
from prm.entrypoints.library import DatabaseNotMigrated, Prm
from prm.settings import Settings
from tests.integration.fresh_databases import BACKENDS, fresh_database
from tests.unit.patients.builders import patient_input

EXAMPLE = Path(__file__).parents[2] / "samples" / "library_example.py"


async def test_use_cases_run_in_process_for_the_chosen_tenant(settings: Settings) -> None:
    async with Prm.open(settings) as prm:
        created = await prm.run(RegisterPatient, patient_input(mrn="LIB-1", name=HumanName(family="Nakamura")))
        found = await prm.run(SearchPatients, SearchPatientsQuery(query="naka"))
        assert [p.id for p in found] == [created.id]
        assert created.tenant_id == settings.default_tenant_id
    async with Prm.open(settings, tenant_id=uuid4()) as other:
        with pytest.raises(PatientNotFound):
            await other.run(GetPatientByMrn, "LIB-1")


async def test_a_unit_shares_one_transaction_and_a_use_case_commits_its_own_work(settings: Settings) -> None:
    async with Prm.open(settings) as prm:
        created = await prm.run(RegisterPatient, patient_input(mrn="LIB-2"))
        async with prm.unit() as unit:
            update = await unit.get(UpdatePatient)
            await update(UpdatePatientCommand(patient_id=created.id, changes={"gender": AdministrativeGender.OTHER}))
            register = await unit.get(RegisterPatient)
            with pytest.raises(Exception, match="MRN"):
                await register(patient_input(mrn="LIB-2"))
        reread = await prm.run(GetPatientByMrn, "LIB-2")
        assert reread.details.gender is AdministrativeGender.OTHER  # the update committed on its own
        assert reread.version == 2


def _run_example(cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """``samples/library_example.py`` as a user runs it, from ``cwd``, with these ``PRM_*`` variables alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRM_")}
    env.update({f"PRM_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run(  # noqa: S603 - our own sample
        [sys.executable, str(EXAMPLE)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def test_the_library_example_runs_as_written(settings: Settings, tmp_path: Path) -> None:
    async with Prm.open(settings) as prm:
        alice = await prm.run(
            RegisterPatient,
            patient_input(mrn=f"A-{uuid4().hex[:8]}", name=HumanName(given=("Alice",), family="Liddell")),
        )
        await prm.run(RegisterPatient, patient_input(mrn=f"B-{uuid4().hex[:8]}", name=HumanName(given=("Bob",))))
    done = _run_example(
        tmp_path,
        database_url=settings.database_url,
        default_tenant_id=str(settings.default_tenant_id),
        env="test",
        log_level="info",
    )
    assert (done.returncode, done.stdout) == (0, f"{alice.id} Alice Liddell\n"), done.stderr
    assert "Traceback" not in done.stderr


def test_the_library_example_outside_the_repository_says_the_database_is_not_migrated(tmp_path: Path) -> None:
    done = _run_example(tmp_path, env="test")  # the default database, var/prm.sqlite3, is not there
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "library_example: the database at sqlite+aiosqlite:///var/prm.sqlite3 is not migrated: there is no file "
        f"{tmp_path / 'var' / 'prm.sqlite3'} (run `prm db upgrade` to create it, or set PRM_DATABASE_URL)\n"
    )
    assert list(tmp_path.iterdir()) == []


async def _open(url: str) -> None:
    async with Prm.open(Settings(database_url=url, env="test")):
        pass


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_that_is_not_migrated_is_one_line_and_no_new_file(backend: str, tmp_path: Path) -> None:
    with (
        fresh_database(backend, tmp_path, password="s3cret-word") as url,
        pytest.raises(DatabaseNotMigrated) as refused,
    ):
        asyncio.run(_open(url))
    message = str(refused.value)
    assert "\n" not in message
    assert "s3cret-word" not in message
    if backend == "sqlite":
        assert message.startswith(f"the database at {url} is not migrated: there is no file ")
        assert list(tmp_path.iterdir()) == []  # neither the file nor its folder
    else:
        assert message == f"the database at {url.replace('s3cret-word', '***')} is not migrated (run `prm db upgrade`)"


def test_an_empty_sqlite_file_is_not_migrated(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()
    with pytest.raises(DatabaseNotMigrated, match=r"^the database at .* is not migrated \(run `prm db upgrade`\)$"):
        asyncio.run(_open(f"sqlite+aiosqlite:///{path}"))
