"""Offline sync on SQLite and PostgreSQL (see ``tests/conftest.py``): upload, conflicts,
tombstones, cursor paging, tenancy, permissions, idempotency, and the lookup by mobile."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.application.sync.compact_feed import CompactChangeFeed
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.conftest import ClientFactory
from tests.integration.test_appointments_api import practitioner

Client = AsyncTestClient[Litestar]
API = "/api/v1/prm"
NOW = "2026-12-06T10:00:00Z"


def change(op: str, entity: str = "patient", **more: Any) -> dict[str, Any]:
    return {"change_id": uuid4().hex, "entity": entity, "op": op, "changed_at": NOW, **more}


def new_patient(family: str = "Lovelace", **fields: Any) -> dict[str, Any]:
    return change(
        "create",
        entity_id=str(uuid4()),
        fields={"name": {"given": ["Ada"], "family": family}, "mrn": f"SYNC-{uuid4().hex[:10]}", **fields},
    )


async def upload(client: Client, *changes: dict[str, Any], device: str = "tablet-1") -> dict[str, Any]:
    response = await client.post(f"{API}/sync/upload", json={"device_id": device, "changes": list(changes)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def download(client: Client, since: str | None = None, limit: int = 100) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit} | ({"since": since} if since else {})
    response = await client.get(f"{API}/sync/download", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def everything(
    client: Client, since: str | None = None, limit: int = 100
) -> tuple[list[dict[str, Any]], str | None]:
    """Every change after ``since``, page by page, and the last cursor."""
    changes: list[dict[str, Any]] = []
    while True:
        page = await download(client, since, limit)
        changes += page["changes"]
        since = page["next_cursor"]
        if not page["has_more"]:
            return changes, since


async def test_an_uploaded_create_comes_down_with_its_version(client: Client) -> None:
    created = new_patient()
    body = await upload(client, created)
    [result] = body["results"]
    assert (result["status"], result["server_version"], result["client_id"]) == ("applied", 1, created["entity_id"])
    assert body["applied"] == 1
    changes, _ = await everything(client)
    [record] = [c for c in changes if c["id"] == result["server_id"]]
    assert (record["entity"], record["deleted"], record["server_version"]) == ("patient", False, 1)
    assert record["patient"]["name"]["family"] == "Lovelace"
    assert record["updated_at"]


async def test_a_stale_base_version_is_a_conflict_with_both_versions_and_changes_nothing(client: Client) -> None:
    [result] = (await upload(client, new_patient()))["results"]
    patient_id = result["server_id"]
    renamed = await client.patch(f"{API}/patients/{patient_id}", json={"name": {"given": ["Ada"], "family": "King"}})
    assert renamed.status_code == 200, renamed.text
    stale = change(
        "update", entity_id=patient_id, base_version=1, fields={"name": {"given": ["Ada"], "family": "Byron"}}
    )
    [conflict] = (await upload(client, stale))["results"]
    assert conflict["status"] == "conflict"
    assert (conflict["server_version"], conflict["server_patient"]["name"]["family"]) == (2, "King")
    assert (conflict["device_base_version"], conflict["device_fields"]) == (1, stale["fields"])
    now = (await client.get(f"{API}/patients/{patient_id}")).json()
    assert (now["name"]["family"], now["version"]) == ("King", 2)
    fresh = change("update", entity_id=patient_id, base_version=2, fields={"gender": "female"})
    [applied] = (await upload(client, fresh))["results"]
    assert (applied["status"], applied["server_version"]) == ("applied", 3)


async def test_good_changes_are_applied_when_others_conflict_or_fail(client: Client) -> None:
    [first] = (await upload(client, new_patient()))["results"]
    patient_id = first["server_id"]
    body = await upload(
        client,
        new_patient(birth_date="not a date"),
        change("update", entity_id=patient_id, base_version=7, fields={"gender": "male"}),
        change("update", entity_id=patient_id, fields={"gender": "male"}),
        change("update", entity_id=str(uuid4()), base_version=1, fields={"gender": "male"}),
        new_patient(phone="12"),
        change("update", entity_id=patient_id, base_version=1, fields={"gender": "female"}),
    )
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["rejected", "conflict", "rejected", "rejected", "rejected", "applied"]
    problems = [r.get("problem") for r in body["results"]]
    assert (problems[0]["status"], problems[0]["field"]) == (422, "fields.birth_date")
    assert (problems[2]["status"], problems[2]["field"]) == (422, "base_version")
    assert (problems[3]["status"], problems[3]["code"]) == (404, "patients.not_found")
    assert problems[4]["status"] == 422
    assert (body["applied"], body["conflicts"], body["rejected"]) == (1, 1, 4)
    assert (await client.get(f"{API}/patients/{patient_id}")).json()["gender"] == "female"


async def test_a_delete_based_on_a_stale_version_is_a_conflict_and_deletes_nothing(client: Client) -> None:
    doctor = await practitioner(client)
    created = new_patient()
    starts = datetime(2030, 1, 8, 10, tzinfo=UTC)
    booking = change(
        "create",
        entity="appointment",
        entity_id=str(uuid4()),
        fields={
            "patient_id": created["entity_id"],
            "practitioner_id": doctor,
            "start_time": starts.isoformat(),
            "end_time": (starts + timedelta(minutes=30)).isoformat(),
        },
    )
    patient_result, appointment_result = (await upload(client, created, booking))["results"]
    patient_id, appointment_id = patient_result["server_id"], appointment_result["server_id"]
    renamed = await client.patch(f"{API}/patients/{patient_id}", json={"gender": "female"})
    assert renamed.status_code == 200, renamed.text
    moved = await client.patch(f"{API}/appointments/{appointment_id}", json={"reason_text": "bring the letter"})
    assert moved.status_code == 200, moved.text
    results = (
        await upload(
            client,
            change("delete", entity="appointment", entity_id=appointment_id, base_version=1),
            change("delete", entity_id=patient_id, base_version=1),
        )
    )["results"]
    assert [r["status"] for r in results] == ["conflict", "conflict"], results
    assert (await client.get(f"{API}/appointments/{appointment_id}")).status_code == 200
    assert (await client.get(f"{API}/patients/{patient_id}")).json()["status"] == "active"


async def test_deletions_come_down_as_tombstones(client: Client) -> None:
    doctor = await practitioner(client)
    created = new_patient()
    starts = datetime(2030, 1, 7, 10, tzinfo=UTC)
    booking = change(
        "create",
        entity="appointment",
        entity_id=str(uuid4()),
        fields={
            "patient_id": created["entity_id"],  # the device's id of the patient created just before
            "practitioner_id": doctor,
            "start_time": starts.isoformat(),
            "end_time": (starts + timedelta(minutes=30)).isoformat(),
        },
    )
    patient_result, appointment_result = (await upload(client, created, booking))["results"]
    assert appointment_result["status"] == "applied", appointment_result
    _, cursor = await everything(client)
    patient_id, appointment_id = patient_result["server_id"], appointment_result["server_id"]
    deleted = await upload(
        client,
        change("delete", entity="appointment", entity_id=appointment_id, base_version=1),
        change("delete", entity_id=patient_id, base_version=1),
    )
    assert [r["status"] for r in deleted["results"]] == ["applied", "applied"], deleted
    changes, _ = await everything(client, cursor)
    tombstones = {c["id"]: c for c in changes}
    assert tombstones[appointment_id]["deleted"] is True
    assert tombstones[appointment_id]["tombstone"]["reason"] == "deleted"
    assert tombstones[patient_id]["tombstone"]["reason"] == "deactivated"
    assert tombstones[patient_id]["tombstone"]["deleted_at"]
    assert "patient" not in tombstones[patient_id] or tombstones[patient_id]["patient"] is None


async def test_cursor_paging_never_skips_or_repeats(client: Client) -> None:
    ids = [r["server_id"] for r in (await upload(client, *(new_patient(f"Family{i}") for i in range(7))))["results"]]
    seen: list[str] = []
    since = None
    for _ in range(10):
        page = await download(client, since, limit=3)
        seen += [c["id"] for c in page["changes"]]
        since = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == ids
    assert (await download(client, since))["changes"] == []
    later = (await upload(client, change("update", entity_id=ids[0], base_version=1, fields={"gender": "male"})))[
        "results"
    ]
    assert later[0]["status"] == "applied"
    assert [c["id"] for c in (await download(client, since))["changes"]] == [ids[0]]


async def test_changes_made_through_the_rest_api_come_down_too(client: Client) -> None:
    _, cursor = await everything(client)
    body = {"name": {"given": ["Alan"], "family": "Turing"}, "mrn": f"REST-{uuid4().hex[:8]}"}
    patient = (await client.post(f"{API}/patients", json=body)).json()
    changes, _ = await everything(client, cursor)
    assert [c["id"] for c in changes] == [patient["id"]]


async def test_a_bad_cursor_is_a_422_naming_since(client: Client) -> None:
    response = await client.get(f"{API}/sync/download", params={"since": "nonsense"})
    assert response.status_code == 422, response.text
    assert "since" in response.text


async def test_another_tenant_sees_and_changes_nothing(client: Client, other_tenant_client: Client) -> None:
    [result] = (await upload(client, new_patient()))["results"]
    changes, _ = await everything(other_tenant_client)
    assert result["server_id"] not in {c["id"] for c in changes}
    hostile = change("update", entity_id=result["server_id"], base_version=1, fields={"gender": "male"})
    [rejected] = (await upload(other_tenant_client, hostile))["results"]
    assert (rejected["status"], rejected["problem"]["status"]) == ("rejected", 404)
    assert (await client.get(f"{API}/patients/{result['server_id']}")).json()["version"] == 1


async def test_a_role_without_write_gets_its_changes_rejected(client: Client, client_as: ClientFactory) -> None:
    auditor = await client_as("auditor")
    [result] = (await upload(auditor, new_patient()))["results"]
    assert (result["status"], result["problem"]["status"], result["problem"]["code"]) == (
        "rejected",
        403,
        "sync.not_permitted",
    )
    doctor = await client_as("practitioner")  # appointments:write, patients:read only
    [refused] = (await upload(doctor, new_patient()))["results"]
    assert refused["problem"]["status"] == 403


async def test_uploading_the_same_batch_twice_applies_nothing_twice(client: Client) -> None:
    [first] = (await upload(client, new_patient()))["results"]
    batch = [new_patient(), change("update", entity_id=first["server_id"], base_version=1, fields={"gender": "male"})]
    once = await upload(client, *batch)
    twice = await upload(client, *batch)
    assert [r["status"] for r in once["results"]] == ["applied", "applied"]
    assert [r["status"] for r in twice["results"]] == ["applied", "applied"]
    assert [r["replayed"] for r in twice["results"]] == [True, True]
    assert [r["server_id"] for r in twice["results"]] == [r["server_id"] for r in once["results"]]
    assert [r["server_version"] for r in twice["results"]] == [1, 2]
    assert (await client.get(f"{API}/patients/{first['server_id']}")).json()["version"] == 2
    mrn = batch[0]["fields"]["mrn"]
    found = await client.get(f"{API}/patients", params={"search": mrn})
    assert found.json()["total"] == 1
    other_device = await upload(client, batch[0], device="tablet-2")  # another device's change id
    assert other_device["results"][0]["problem"]["status"] == 409  # the MRN is taken: nothing twice


async def test_patients_by_mobile_in_any_format(client: Client) -> None:
    number = "+1 617-492-3500"
    ids = [
        r["server_id"] for r in (await upload(client, new_patient(phone=number), new_patient(phone=number)))["results"]
    ]
    await upload(client, new_patient(phone="+1 617-492-3501"))
    for typed in ("+16174923500", "(617) 492-3500", "617.492.3500"):
        response = await client.get(f"{API}/patients/by-mobile/{typed}")
        assert response.status_code == 200, response.text
        assert sorted(p["id"] for p in response.json()["items"]) == sorted(ids)
    nobody = await client.get(f"{API}/patients/by-mobile/+16174920000")
    assert (nobody.status_code, nobody.json()["items"]) == (200, [])
    bad = await client.get(f"{API}/patients/by-mobile/not-a-phone")
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["loc"][-1] == "phone"


async def test_concurrent_uploads_reach_a_concurrent_reader_each_exactly_once(client: Client) -> None:
    _, start = await everything(client)
    created: list[str] = []
    seen: list[str] = []
    done = asyncio.Event()

    async def writer(n: int) -> None:
        for _ in range(3):
            body = await upload(client, new_patient(f"W{n}"), device=f"tablet-{n}")
            created.extend(r["server_id"] for r in body["results"])

    async def reader() -> None:
        since = start
        while True:
            finished = done.is_set()
            page = await download(client, since, limit=2)
            seen.extend(c["id"] for c in page["changes"])
            since = page["next_cursor"]
            if finished and not page["has_more"]:
                return
            await asyncio.sleep(0)

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(4)))
    done.set()
    await reading
    assert len(created) == 12
    assert sorted(seen) == sorted(created)  # none skipped, none twice


async def test_appointments_come_down_only_to_callers_who_may_read_them(
    client: Client, api_key_client: ClientFactory
) -> None:
    doctor = await practitioner(client)
    [created] = (await upload(client, new_patient()))["results"]
    starts = datetime(2030, 2, 4, 9, tzinfo=UTC)
    booking = change(
        "create",
        entity="appointment",
        fields={
            "patient_id": created["server_id"],
            "practitioner_id": doctor,
            "start_time": starts.isoformat(),
            "end_time": (starts + timedelta(minutes=20)).isoformat(),
        },
    )
    [booked] = (await upload(client, booking))["results"]
    stale = change("update", entity="appointment", entity_id=booked["server_id"], base_version=3, fields={})
    [conflict] = (await upload(client, stale))["results"]
    assert (conflict["status"], conflict["server_appointment"]["version"]) == ("conflict", 1)
    everyone, _ = await everything(client)
    assert {c["entity"] for c in everyone} == {"patient", "appointment"}
    reader = await api_key_client("patients:read")
    patients_only, _ = await everything(reader)
    assert {c["entity"] for c in patients_only} == {"patient"}


async def test_compaction_keeps_each_records_latest_entry_and_every_cursor_working(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    _, start = await everything(client)
    [result] = (await upload(client, new_patient()))["results"]
    patient_id = result["server_id"]
    _, middle = await everything(client)
    for family in ("King", "Byron", "Lovelace"):
        renamed = await client.patch(
            f"{API}/patients/{patient_id}", json={"name": {"given": ["Ada"], "family": family}}
        )
        assert renamed.status_code == 200, renamed.text
    before, _ = await everything(client, start)
    assert [c["id"] for c in before] == [patient_id]  # a download names a record once, in its state now
    async with Prm.open(settings, tenant_id=tenant_id) as prm:
        assert await prm.run(CompactChangeFeed) == 3  # the create and two renames, superseded
        assert await prm.run(CompactChangeFeed) == 0  # nothing superseded is left
    for cursor in (start, middle):  # a cursor from before the compaction still works
        after, _ = await everything(client, cursor)
        assert [c["id"] for c in after] == [patient_id]
        assert after[0]["patient"]["name"]["family"] == "Lovelace"
