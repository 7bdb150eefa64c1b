"""Patient merge and undo over HTTP, on SQLite and PostgreSQL (issue 13): re-pointed references,
the redirect of the merged record, refusals, undo, the records, permissions and tenants."""

from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.sql.engine import make_database
from prm.adapters.sql.outbox_tables import outbox
from prm.settings import Settings
from tests.conftest import ClientFactory
from tests.integration.merge_support import insert, row, snapshot

API = "/api/v1/prm"
PATIENTS = f"{API}/patients"
MERGES = f"{PATIENTS}/merges"
Client = AsyncTestClient[Litestar]


async def ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), response.text
    return response.json() if response.content else None


async def new_patient(client: Client, family: str, **extra: Any) -> dict[str, Any]:
    body = {"name": {"given": ["Ana"], "family": family}, "gender": "female", "birth_date": "1980-02-03", **extra}
    return await ok(await client.post(PATIENTS, json=body), 201)  # type: ignore[no-any-return]


async def new_ticket(client: Client, patient_id: str) -> dict[str, Any]:
    return await ok(await client.post(f"{API}/tickets", json={"patient_id": patient_id, "title": "Call back"}), 201)  # type: ignore[no-any-return]


async def add_rows(settings: Settings, tenant_id: UUID, patient_id: str, messages: int = 3) -> None:
    """Appointments, a thread with messages and a preference for the patient, straight to the tables."""
    database = make_database(settings.database_url)
    async with database.connect(tenant_id) as connection:
        pid = UUID(patient_id)
        await insert(connection, "appointments", [row("appointments", tenant_id, patient_id=pid) for _ in range(2)])
        thread = row("communication_threads", tenant_id, patient_id=pid, channel="sms", unread_count=1)
        await insert(connection, "communication_threads", [thread])
        await insert(
            connection,
            "communication_messages",
            [row("communication_messages", tenant_id, patient_id=pid, thread_id=thread["id"]) for _ in range(messages)],
        )
        await insert(
            connection,
            "communication_preferences",
            [row("communication_preferences", tenant_id, patient_id=pid, event_type="survey", channel="sms")],
        )
        await connection.commit()
    await database.close()


async def tables(settings: Settings, tenant_id: UUID) -> dict[str, list[dict[str, Any]]]:
    database = make_database(settings.database_url)
    async with database.connect(tenant_id) as connection:
        found = await snapshot(connection, tenant_id)
    await database.close()
    return found


async def count_where(settings: Settings, tenant_id: UUID, table: str, patient_id: str) -> int:
    found = await tables(settings, tenant_id)
    return sum(1 for r in found[table] if r.get("patient_id") == patient_id)


async def test_merge_repoints_redirects_and_undo_restores_everything(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    source = await new_patient(client, "Avila", phone="+1 617 555 0101")
    target = await new_patient(client, "Ávila")
    await new_ticket(client, source["id"])
    await add_rows(settings, tenant_id, source["id"])
    await add_rows(settings, tenant_id, target["id"], messages=2)  # both have an sms thread: they collide
    before = await tables(settings, tenant_id)

    body = {
        "source_patient_id": source["id"],
        "target_patient_id": target["id"],
        "fields": ["telecom"],
        "reason": "dup",
    }
    merged = await ok(await client.post(f"{PATIENTS}/merge", json=body), 201)
    assert merged["status"] == "merged"
    assert merged["fields"] == ["telecom"]
    assert (await client.get(f"{API}/patients/merges/{merged['id']}")).status_code == 200
    counts = {r["context"]: r["rows"] for r in merged["references"]}
    assert counts["tickets"] == 1
    assert counts["appointments"] == 2
    survivor = merged["survivor"]
    assert survivor["id"] == target["id"]
    assert survivor["mrn"] == target["mrn"]
    assert survivor["phone"] == source["phone"]
    assert {"other": source["id"], "type": "replaces"} in survivor["link"]
    assert any(i["value"] == source["mrn"] and i["type"] is None for i in survivor["identifiers"])

    for path in (f"{PATIENTS}/{source['id']}", f"{PATIENTS}/mrn/{source['mrn']}"):
        redirect = await client.get(path, follow_redirects=False)
        assert redirect.status_code == 307, path
        assert redirect.headers["location"] == f"{PATIENTS}/{target['id']}"
    assert (await client.get(f"{PATIENTS}/{target['id']}")).status_code == 200
    for suffix in ("timeline?kind=appointment&limit=5", "conversations?page_size=5"):
        moved = await client.get(f"{PATIENTS}/{source['id']}/{suffix}", follow_redirects=False)
        assert moved.status_code == 307, suffix
        assert moved.headers["location"] == f"{PATIENTS}/{target['id']}/{suffix}"
        assert moved.headers["link"] == f'<{PATIENTS}/{target["id"]}>; rel="replaced-by"'

    after = await tables(settings, tenant_id)
    for table in ("appointments", "tickets", "communication_messages", "communication_threads"):
        assert not [r for r in after[table] if r.get("patient_id") == source["id"]], table
    threads = [r for r in after["communication_threads"] if r["patient_id"] == target["id"]]
    assert len(threads) == 1
    assert threads[0]["unread_count"] == 2
    assert sum(1 for m in after["communication_messages"] if m["thread_id"] == threads[0]["id"]) == 5
    listed = await ok(await client.get(MERGES, params={"patient_id": source["id"]}))
    assert [m["id"] for m in listed["items"]] == [merged["id"]]
    assert listed["total"] == 1

    async with make_database(settings.database_url).connect(tenant_id) as connection:
        types = (await connection.execute(sa.select(outbox.c.event_type).where(outbox.c.tenant_id == tenant_id))).all()
    assert ("patient.merged",) in [tuple(t) for t in types]

    undone = await ok(await client.post(f"{MERGES}/{merged['id']}/undo"))
    assert undone["status"] == "undone"
    assert undone["undone_by"].startswith("user:")
    assert await tables(settings, tenant_id) == before
    back = await ok(await client.get(f"{PATIENTS}/{source['id']}"))
    assert back["status"] == "active"
    assert back["link"] == []
    assert back["version"] == source["version"]
    again = await client.post(f"{MERGES}/{merged['id']}/undo")
    assert again.status_code == 409
    assert again.json()["code"] == "patients.merge_undo_refused"


async def test_refusals_name_the_field(client: Client, other_tenant_client: Client) -> None:
    a, b, c = [await new_patient(client, name) for name in ("Uno", "Dos", "Tres")]
    elsewhere = await new_patient(other_tenant_client, "Fuera")

    async def refused(source: str, target: str, field: str) -> None:
        response = await client.post(
            f"{PATIENTS}/merge", json={"source_patient_id": source, "target_patient_id": target}
        )
        assert response.status_code == 422, response.text
        assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]

    await refused(a["id"], a["id"], "target_patient_id")
    await refused(str(uuid4()), a["id"], "source_patient_id")
    await refused(a["id"], elsewhere["id"], "target_patient_id")  # another tenant's: not found here
    await ok(await client.post(f"{PATIENTS}/{a['id']}/merge/{b['id']}", json={}), 201)  # Harman's form
    await refused(a["id"], c["id"], "source_patient_id")  # already merged
    await refused(c["id"], a["id"], "target_patient_id")  # into a merged one
    bad = await client.post(
        f"{PATIENTS}/merge", json={"source_patient_id": c["id"], "target_patient_id": b["id"], "fields": ["mrn"]}
    )
    assert bad.status_code == 422
    assert (await other_tenant_client.get(f"{PATIENTS}/{elsewhere['id']}")).json()["status"] == "active"
    assert (await other_tenant_client.get(MERGES)).json()["total"] == 0


async def test_an_undo_is_refused_once_the_survivor_changed(client: Client) -> None:
    source, target = await new_patient(client, "Uno"), await new_patient(client, "Dos")
    merged = await ok(
        await client.post(
            f"{PATIENTS}/merge", json={"source_patient_id": source["id"], "target_patient_id": target["id"]}
        )
    )
    await ok(await client.patch(f"{PATIENTS}/{target['id']}", json={"preferred_language": "es"}))
    stale = await client.post(f"{MERGES}/{merged['id']}/undo")
    assert stale.status_code == 409
    assert (await client.get(f"{PATIENTS}/{source['id']}", follow_redirects=False)).status_code == 307


async def test_merging_needs_the_merge_permission(client: Client, client_as: ClientFactory) -> None:
    source, target = await new_patient(client, "Uno"), await new_patient(client, "Dos")
    body = {"source_patient_id": source["id"], "target_patient_id": target["id"]}
    front_desk = await client_as("front_desk")
    assert (await front_desk.post(f"{PATIENTS}/merge", json=body)).status_code == 403
    assert (await front_desk.get(MERGES)).status_code == 200
    coordinator = await client_as("care_coordinator")
    merged = await ok(await coordinator.post(f"{PATIENTS}/merge", json=body), 201)
    assert (await front_desk.post(f"{MERGES}/{merged['id']}/undo")).status_code == 403
    assert (await client.get(f"{MERGES}/{uuid4()}")).status_code == 404


async def test_a_merged_record_is_not_changed(client: Client) -> None:
    source, target = await new_patient(client, "Uno"), await new_patient(client, "Dos")
    body = {"source_patient_id": source["id"], "target_patient_id": target["id"]}
    await ok(await client.post(f"{PATIENTS}/merge", json=body))
    for refused in (
        await client.patch(f"{PATIENTS}/{source['id']}", json={"preferred_language": "es"}),
        await client.delete(f"{PATIENTS}/{source['id']}"),
        await client.post(f"{PATIENTS}/{source['id']}/activate"),
    ):
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "patients.merged"
    assert (await client.get(f"{PATIENTS}/{source['id']}", follow_redirects=False)).status_code == 307
