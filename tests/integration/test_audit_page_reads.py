"""A list or search page is one audit event naming every patient shown, and "who read patient X"
still finds it, through the API and the export, on SQLite and on PostgreSQL."""

import asyncio
import csv
import io
import json
import secrets
import string
from typing import Any, TypeAlias
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.sql import migrate
from prm.application.patients.list_patients import ListPatients, ListPatientsQuery
from prm.application.patients.register_patient import RegisterPatient
from prm.application.shared.paging import PageRequest
from prm.domain.shared.person import HumanName
from prm.entrypoints.cli.main import main
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.unit.patients.builders import patient_input

API = "/api/v1/prm"
Client: TypeAlias = AsyncTestClient[Litestar]


def _family() -> str:
    """A family name no other test uses (letters only: one name token)."""
    return "Pager" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def _rows(database_url: str, tenant_id: UUID) -> tuple[int, int]:
    """``audit_events`` and ``audit_event_entities`` rows of the tenant (read as the tests' owner)."""
    engine = sa.create_engine(migrate.sync_url(database_url))
    try:
        with engine.connect() as connection:
            counts = [
                connection.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"),
                    {"t": tenant_id if engine.dialect.name == "postgresql" else tenant_id.hex},
                ).scalar_one()
                for table in ("audit_events", "audit_event_entities")
            ]
    finally:
        engine.dispose()
    return counts[0], counts[1]


async def _events(client: Client, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/audit/events", params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _patients(client: Client, family: str, count: int) -> list[str]:
    ids = []
    for i in range(count):
        created = await client.post(f"{API}/patients", json={"name": {"family": family, "given": [f"Given{i:02d}"]}})
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


async def test_a_list_page_of_20_patients_is_one_audit_row_found_by_each_of_them(
    client: Client, database_url: str, tenant_id: UUID
) -> None:
    family = _family()
    ids = await _patients(client, family, 21)
    events_before, entities_before = _rows(database_url, tenant_id)

    page = await client.get(f"{API}/patients", params={"search": family, "page_size": 20})
    assert page.status_code == 200, page.text
    shown = [p["id"] for p in page.json()["items"]]
    assert (len(shown), page.json()["total"], "total_exact" in page.json()) == (20, 21, False)  # exact: not said
    assert shown == ids[:20]  # by given name: Given00 … Given19
    assert _rows(database_url, tenant_id) == (events_before + 1, entities_before + 20)

    for patient_id in shown:
        found = await _events(client, entity_id=patient_id, action="search")
        assert found["total"] == 1
        (event,) = found["items"]
        assert (event["entity_type"], event["entity_id"], event["entity_ids"]) == ("patient", None, shown)
        assert {e["action"] for e in (await _events(client, entity_id=patient_id))["items"]} == {"create", "search"}
    assert (await _events(client, entity_id=ids[20], action="search"))["total"] == 0  # not on the page
    assert (await _events(client, entity_id=str(uuid4())))["total"] == 0
    assert (await _events(client, entity_id=shown[0].upper(), action="search"))["total"] == 1  # any spelling of it


async def test_quick_search_reads_of_one_and_of_none_are_one_event_each(
    client: Client, database_url: str, tenant_id: UUID
) -> None:
    family = _family()
    ids = await _patients(client, family, 3)
    events_before, entities_before = _rows(database_url, tenant_id)

    found = await client.get(f"{API}/patients/search", params={"query": family[:8], "type": "name"})
    assert [p["id"] for p in found.json()] == ids
    await client.get(f"{API}/patients/search", params={"query": f"Given00 {family}", "type": "name"})
    await client.get(f"{API}/patients/search", params={"query": "Qzxqzx", "type": "name"})
    await client.get(f"{API}/patients/{ids[1]}")
    assert _rows(database_url, tenant_id) == (events_before + 4, entities_before + 3)

    searches = (await _events(client, action="search"))["items"]  # newest first
    assert [(e["entity_id"], e["entity_ids"]) for e in searches[:3]] == [(None, []), (ids[0], [ids[0]]), (None, ids)]
    read = (await _events(client, entity_id=ids[1], action="read"))["items"]
    assert [(e["entity_id"], e["entity_ids"]) for e in read] == [(ids[1], [ids[1]])]
    assert (await _events(client, entity_id=ids[1]))["total"] == 3  # create, the page, the read


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PRM_DATABASE_URL", database_url)
    monkeypatch.setenv("PRM_DEFAULT_TENANT_ID", str(uuid4()))
    monkeypatch.setenv("PRM_LOG_LEVEL", "warning")
    return database_url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


async def _register_and_list(settings: Settings, slug: str, family: str) -> tuple[list[str], list[str]]:
    async with Prm.open(settings, tenant=slug) as prm:
        ids = [
            str((await prm.run(RegisterPatient, patient_input(mrn=f"P-{i}", name=HumanName(family=family)))).id)
            for i in range(20)
        ]
        page = await prm.run(ListPatients, ListPatientsQuery(page=PageRequest(1, 20), search=family))
    return ids, [str(p.id) for p in page.items]


def test_the_export_lists_every_patient_of_a_page_read(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    slug = f"clinic-{secrets.token_hex(4)}"
    _run(capsys, "tenants", "create", "--name", "Page Clinic", "--slug", slug)
    family = _family()
    settings = Settings(database_url=cli_env, env="test", log_level="warning")
    ids, shown = asyncio.run(_register_and_list(settings, slug, family))
    assert sorted(shown) == sorted(ids)

    lines = [json.loads(line) for line in _run(capsys, "audit", "export", "--tenant", slug).splitlines()]
    (search,) = [e for e in lines if e["action"] == "search"]
    assert (search["entity_type"], search["entity_id"], search["entity_ids"]) == ("patient", None, shown)
    assert sum(1 for e in lines if e["action"] == "create" and e["entity_type"] == "patient") == 20

    rows = list(csv.DictReader(io.StringIO(_run(capsys, "audit", "export", "--tenant", slug, "--format", "csv"))))
    (search_row,) = [r for r in rows if r["action"] == "search"]
    assert (search_row["entity_id"], search_row["entity_ids"].split(";")) == ("", shown)
    create_row = next(r for r in rows if r["action"] == "create" and r["entity_type"] == "patient")
    assert create_row["entity_ids"] == create_row["entity_id"]
