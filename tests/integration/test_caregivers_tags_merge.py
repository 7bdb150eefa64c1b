"""A patient merge moves the source's caregivers and tags to the survivor (a tag both carry is
kept once) and its undo puts them back, on SQLite and PostgreSQL."""

from typing import Any, TypeAlias

from litestar import Litestar
from litestar.testing import AsyncTestClient

API = "/api/v1/prm"
Client: TypeAlias = AsyncTestClient[Litestar]


async def created(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}{path}", json=body)
    assert response.status_code in {200, 201}, response.text
    result: dict[str, Any] = response.json()
    return result


async def tag_names(client: Client, patient_id: str) -> list[str]:
    return [t["name"] for t in (await client.get(f"{API}/tags/of/patients/{patient_id}")).json()["items"]]


async def caregiver_names(client: Client, patient_id: str) -> list[str]:
    return [c["full_name"] for c in (await client.get(f"{API}/patients/{patient_id}/caregivers")).json()["items"]]


async def test_merge_moves_caregivers_and_tags_and_undo_restores_them(client: Client) -> None:
    source = await created(client, "/patients", {"name": {"given": ["Jon"], "family": "Smyth"}, "gender": "male"})
    target = await created(client, "/patients", {"name": {"given": ["John"], "family": "Smith"}, "gender": "male"})
    await created(client, f"/patients/{source['id']}/caregivers", {"name": {"family": "Mother"}, "relationship": "MTH"})
    await created(client, f"/patients/{target['id']}/caregivers", {"name": {"family": "Wife"}, "relationship": "WIFE"})
    vip = await created(client, "/tags", {"name": "VIP"})
    frail = await created(client, "/tags", {"name": "Frail"})
    for tag, patient in ((vip, source), (frail, source), (vip, target)):
        assert (await client.put(f"{API}/tags/{tag['id']}/patients/{patient['id']}")).status_code == 200

    merge = await created(
        client, "/patients/merge", {"source_patient_id": source["id"], "target_patient_id": target["id"]}
    )
    assert sorted(await caregiver_names(client, target["id"])) == ["Mother", "Wife"]
    assert await tag_names(client, target["id"]) == ["Frail", "VIP"]
    assert await tag_names(client, source["id"]) == []
    assert (await client.get(f"{API}/tags/{vip['id']}/patients")).json()["items"] == [target["id"]]

    undone = await client.post(f"{API}/patients/merges/{merge['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert await caregiver_names(client, source["id"]) == ["Mother"]
    assert await caregiver_names(client, target["id"]) == ["Wife"]
    assert await tag_names(client, source["id"]) == ["Frail", "VIP"]
    assert await tag_names(client, target["id"]) == ["VIP"]
