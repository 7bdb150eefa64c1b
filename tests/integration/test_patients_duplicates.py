"""Duplicate patients on SQLite and PostgreSQL: the candidates of a patient with their reasons,
"not a duplicate", the tenant boundary, merged records, and the scan that writes the worklist."""

import io
from pathlib import Path
from typing import Any, TypeAlias
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient
from rich.console import Console

from prm.entrypoints.cli.imports import run_synthea_import
from prm.entrypoints.cli.patients import find_duplicates
from prm.settings import Settings

API = "/api/v1/prm"
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "synthea"
Client: TypeAlias = AsyncTestClient[Litestar]


async def _patient(client: Client, given: str, family: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": {"given": [given], "family": family},
        "mrn": f"DUP-{uuid4().hex[:10]}",
        "gender": "female",
        "birth_date": "1984-03-07",
        **extra,
    }
    created = await client.post(f"{API}/patients", json=body)
    assert created.status_code == 201, created.text
    patient: dict[str, Any] = created.json()
    return patient


async def _pair(client: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    original = await _patient(client, "Marguerite", "Okonkwo", phone="+16174923500", email="m.okonkwo@example.org")
    typo = await _patient(client, "Marguerite", "Okonkow", phone="+16175550142")
    return original, typo


async def _duplicates(client: Client, patient_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/patients/{patient_id}/duplicates", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["patient_id"] == patient_id
    candidates: list[dict[str, Any]] = body["candidates"]
    return candidates


async def test_a_typo_and_another_phone_is_proposed_with_reasons(client: Client) -> None:
    original, typo = await _pair(client)
    await _patient(client, "Theodore", "Lindqvist", gender="male", birth_date="1950-11-30")  # no key shared
    found = await _duplicates(client, typo["id"])
    assert [c["patient"]["id"] for c in found] == [original["id"]]
    candidate = found[0]
    assert 0.8 <= candidate["score"] <= 1
    reasons = {r["field"]: r for r in candidate["reasons"]}
    assert reasons["given_name"]["kind"] == "exact"
    assert reasons["family_name"]["kind"] == "fuzzy"
    assert 0.88 <= reasons["family_name"]["similarity"] < 1
    assert reasons["birth_date"]["kind"] == "exact"
    assert reasons["phone"]["kind"] == "differs"
    assert reasons["phone"]["weight"] < 0
    assert candidate["patient"]["mrn"] == original["mrn"]
    assert [c["patient"]["id"] for c in await _duplicates(client, original["id"])] == [typo["id"]]


async def test_min_score_filters_and_the_read_is_audited(client: Client) -> None:
    original, typo = await _pair(client)
    assert await _duplicates(client, typo["id"], min_score=1) == []
    assert len(await _duplicates(client, typo["id"], min_score=0)) == 1
    events = await client.get(f"{API}/audit/events", params={"entity_id": original["id"], "action": "read"})
    assert events.status_code == 200, events.text
    assert events.json()["total"] >= 1
    assert (await client.get(f"{API}/patients/{typo['id']}/duplicates", params={"min_score": 2})).status_code == 422


async def test_a_swapped_birth_date_and_a_married_surname_are_found(client: Client) -> None:
    original = await _patient(
        client,
        "Ingrid",
        "Halvorsen",
        birth_date="1979-04-11",
        addresses=[{"line": ["12 Elm Street"], "city": "Boston", "postal_code": "02118"}],
        phone="+16174923501",
    )
    married = await _patient(
        client,
        "Ingrid",
        "Brennan",
        birth_date="1979-11-04",
        addresses=[{"line": ["12 Elm St"], "city": "Boston", "postal_code": "02118"}],
        phone="+16174923501",
    )
    found = await _duplicates(client, married["id"])
    assert [c["patient"]["id"] for c in found] == [original["id"]]
    kinds = {r["field"]: r["kind"] for r in found[0]["reasons"]}
    assert kinds["birth_date"] == "transposed"
    assert kinds["family_name"] == "differs"


async def test_not_a_duplicate_stops_the_proposal(client: Client) -> None:
    original, typo = await _pair(client)
    marked = await client.post(f"{API}/patients/duplicates/{typo['id']}/{original['id']}/not-duplicate")
    assert marked.status_code == 200, marked.text
    body = marked.json()
    assert body["status"] == "not_duplicate"
    assert body["patient_a"] == min(original["id"], typo["id"], key=UUID)
    assert await _duplicates(client, typo["id"]) == []
    assert await _duplicates(client, original["id"]) == []
    listed = await client.get(f"{API}/patients/duplicates", params={"status": "not_duplicate"})
    assert listed.status_code == 200, listed.text
    assert [(p["patient_a"]["id"], p["status"]) for p in listed.json()["items"]] == [
        (body["patient_a"], "not_duplicate")
    ]
    again = await client.post(f"{API}/patients/duplicates/{original['id']}/{typo['id']}/not-duplicate")
    assert again.status_code == 200


async def test_not_duplicate_refuses_a_pair_of_one_and_unknown_ids(client: Client) -> None:
    original, _ = await _pair(client)
    same = await client.post(f"{API}/patients/duplicates/{original['id']}/{original['id']}/not-duplicate")
    assert same.status_code == 422
    unknown = await client.post(f"{API}/patients/duplicates/{original['id']}/{uuid4()}/not-duplicate")
    assert unknown.status_code == 404
    assert (await client.get(f"{API}/patients/{uuid4()}/duplicates")).status_code == 404


async def test_another_tenant_never_sees_the_patients_or_their_pairs(
    client: Client, other_tenant_client: Client
) -> None:
    original, typo = await _pair(client)
    # the same person registered in the other tenant: never a candidate across tenants
    theirs = await _patient(other_tenant_client, "Marguerite", "Okonkwo", phone="+16174923500")
    assert [c["patient"]["id"] for c in await _duplicates(client, typo["id"])] == [original["id"]]
    assert await _duplicates(other_tenant_client, theirs["id"]) == []
    assert (await other_tenant_client.get(f"{API}/patients/{typo['id']}/duplicates")).status_code == 404
    crossing = await other_tenant_client.post(
        f"{API}/patients/duplicates/{theirs['id']}/{original['id']}/not-duplicate"
    )
    assert crossing.status_code == 404
    await client.post(f"{API}/patients/duplicates/{typo['id']}/{original['id']}/not-duplicate")
    listed = await other_tenant_client.get(f"{API}/patients/duplicates", params={"any": "true"})
    assert listed.status_code == 200
    assert listed.json()["items"] == []


async def test_the_worklist_route_is_not_a_patient_id(client: Client) -> None:
    response = await client.get(f"{API}/patients/duplicates")
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


async def test_reads_need_patients_read_and_marking_needs_patients_write(client: Client, client_as: Any) -> None:
    original, typo = await _pair(client)
    practitioner = await client_as("practitioner")  # patients:read, not patients:write
    assert (await practitioner.get(f"{API}/patients/{typo['id']}/duplicates")).status_code == 200
    assert (await practitioner.get(f"{API}/patients/duplicates")).status_code == 200
    marked = await practitioner.post(f"{API}/patients/duplicates/{typo['id']}/{original['id']}/not-duplicate")
    assert marked.status_code == 403


async def test_the_scan_writes_the_worklist(client: Client, settings: Settings, tenant_id: UUID) -> None:
    original, typo = await _pair(client)
    twin = await _patient(client, "Josephine", "Okonkwo", phone="+16174923500")  # a sister: same phone, birth date
    out = io.StringIO()
    code = await find_duplicates(
        settings, str(tenant_id), progress=False, out=Console(file=out, width=200), console=Console(file=io.StringIO())
    )
    assert code == 0
    assert "3 patients scanned" in out.getvalue()
    listed = await client.get(f"{API}/patients/duplicates")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [{p["patient_a"]["id"], p["patient_b"]["id"]} for p in items] == [{original["id"], typo["id"]}]
    assert items[0]["status"] == "open"
    assert items[0]["reasons"]
    assert twin["id"] not in {p["patient_a"]["id"] for p in items} | {p["patient_b"]["id"] for p in items}
    # batches of one key: the same pair, once (the three share a birth date, two a name key too)
    small = io.StringIO()
    assert await find_duplicates(settings, str(tenant_id), batch_size=1, progress=False, out=Console(file=small)) == 0
    assert "3 pairs compared, 1 pairs with score" in small.getvalue()
    assert [p["score"] for p in (await client.get(f"{API}/patients/duplicates")).json()["items"]] == [items[0]["score"]]
    # marked not a duplicate: the next scan leaves the pair decided and proposes nothing
    await client.post(f"{API}/patients/duplicates/{original['id']}/{typo['id']}/not-duplicate")
    assert await find_duplicates(settings, str(tenant_id), progress=False, out=Console(file=io.StringIO())) == 0
    assert (await client.get(f"{API}/patients/duplicates")).json()["items"] == []
    decided = (await client.get(f"{API}/patients/duplicates", params={"any": "true"})).json()["items"]
    assert [p["status"] for p in decided] == ["not_duplicate"]


async def test_an_unknown_tenant_is_refused_by_the_scan(client: Client, settings: Settings) -> None:
    errors = io.StringIO()
    code = await find_duplicates(settings, "no-such-tenant", progress=False, console=Console(file=errors))
    assert code == 2
    assert "no-such-tenant" in errors.getvalue()


async def test_a_merged_patient_is_never_proposed_and_its_pair_shows_merged(
    client: Client, settings: Settings, tenant_id: UUID
) -> None:
    original, typo = await _pair(client)
    assert await find_duplicates(settings, str(tenant_id), progress=False, out=Console(file=io.StringIO())) == 0
    merged = await client.post(
        f"{API}/patients/merge", json={"source_patient_id": typo["id"], "target_patient_id": original["id"]}
    )
    assert merged.status_code in (200, 201), merged.text
    assert await _duplicates(client, original["id"], min_score=0) == []
    assert await _duplicates(client, typo["id"], min_score=0) == []
    assert (await client.get(f"{API}/patients/duplicates")).json()["items"] == []
    shown = (await client.get(f"{API}/patients/duplicates", params={"status": "merged"})).json()["items"]
    assert [
        (p["status"], p["patient_a"]["status"] == "merged" or p["patient_b"]["status"] == "merged") for p in shown
    ] == [("merged", True)]
    # the next scan no longer proposes the pair: it is dropped from the worklist
    assert await find_duplicates(settings, str(tenant_id), progress=False, out=Console(file=io.StringIO())) == 0
    assert (await client.get(f"{API}/patients/duplicates", params={"any": "true"})).json()["items"] == []


async def test_an_imported_patient_typed_again_with_a_typo_is_proposed(client: Client, settings: Settings) -> None:
    """The issue's walk-through: after the sample import, a second record with a typo in the name
    and another phone is proposed as a duplicate of the imported one, with reasons."""
    assert await run_synthea_import(settings, SAMPLE, progress=False, out=Console(file=io.StringIO())) == 0
    imported = (await client.get(f"{API}/patients/mrn/982192b6-6843-4011-ef46-32caaf87d8a9")).json()
    assert imported["name"]["given"] == ["Alice368"]
    typo = await _patient(client, "Alise", "Gleason", birth_date="2022-07-20", phone="+14025550188")
    found = await _duplicates(client, typo["id"])
    assert [c["patient"]["id"] for c in found] == [imported["id"]]
    kinds = {r["field"]: r["kind"] for r in found[0]["reasons"]}
    assert kinds["given_name"] == "fuzzy"
    assert kinds["family_name"] == "folded"  # Synthea's digits are not part of a name
    assert kinds["birth_date"] == "exact"


async def test_scores_out_of_range_are_refused(client: Client) -> None:
    original, _ = await _pair(client)
    for value in ("NaN", "inf", "-1", "18446744073709551616", "abc"):
        for path in (f"{API}/patients/{original['id']}/duplicates", f"{API}/patients/duplicates"):
            response = await client.get(path, params={"min_score": value})
            assert response.status_code == 422, (path, value, response.text)
