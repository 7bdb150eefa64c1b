"""The patients API end to end, on SQLite and on PostgreSQL (see the ``database_url`` fixture)."""

from typing import Any, TypeAlias
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.sql import paging

API = "/api/v1/prm/patients"
Client: TypeAlias = AsyncTestClient[Litestar]


def body(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": {"given": ["José", "María"], "family": "Ávila-García", "prefix": ["Sr."]},
        "mrn": f"MRN-{uuid4().hex[:8]}",
        "gender": "male",
        "birth_date": "1984-05-17",
        "phone": "(617) 492-3500",
        "email": "jose.avila@Example.ORG",
        "identifiers": [{"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-12-3456", "type": "SS"}],
        "addresses": [
            {
                "use": "home",
                "line": ["1 Main St"],
                "city": "Cambridge",
                "state": "MA",
                "postal_code": "02138",
                "country": "US",
            }
        ],
        "preferred_language": "es-MX",
        "marital_status": "M",
    }
    payload.update(overrides)
    return payload


async def create(client: Client, **overrides: Any) -> dict[str, Any]:
    response = await client.post(API, json=body(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_create_returns_the_fhir_shaped_patient_with_normalised_contacts(client: Client) -> None:
    response = await client.post(API, json=body(mrn="M-100"))
    assert response.status_code == 201
    patient = response.json()
    assert response.headers["etag"] == 'W/"1"'
    assert patient["mrn"] == "M-100"
    assert patient["full_name"] == "Sr. José María Ávila-García"
    assert patient["phone"] == "+16174923500"
    assert patient["email"] == "jose.avila@example.org"
    assert {"system": "urn:prm:mrn", "value": "M-100", "type": "MR"} in patient["identifiers"]
    assert patient["telecom"][0] == {"system": "phone", "value": "+16174923500", "use": "mobile", "rank": None}
    assert (patient["status"], patient["version"], patient["gender"]) == ("active", 1, "male")
    fetched = await client.get(f"{API}/{patient['id']}")
    assert fetched.json() == patient | {"statistics": fetched.json()["statistics"]}  # GET by id adds statistics
    assert fetched.json()["statistics"]["total_appointments"] == 0


async def test_bad_input_is_422_naming_each_field(client: Client) -> None:
    response = await client.post(API, json={"name": {"given": ["A"]}, "gender": "bogus"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "http.validation_failed"
    assert problem["errors"][0]["loc"] == ["body", "gender"]
    assert response.headers["content-type"].startswith("application/problem+json")

    response = await client.post(API, json=body(phone="12345"))
    assert (response.status_code, response.json()["errors"][0]["loc"]) == (422, ["body", "phone"])
    response = await client.post(API, json=body(telecom=[{"system": "email", "value": "nope@"}], phone=None))
    assert response.json()["errors"][0]["loc"] == ["body", "telecom", 0, "value"]
    response = await client.post(API, json=body(birth_date="2999-01-01"))
    assert response.json()["errors"][0]["loc"] == ["body", "birth_date"]
    response = await client.post(API, json={"gender": "male"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
    response = await client.post(API, json=body(nickname="Pepe"))
    assert response.status_code == 422
    assert "nickname" in response.json()["detail"]


async def test_malformed_json_is_400(client: Client) -> None:
    response = await client.post(API, content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["status"] == 400


async def test_duplicate_mrn_is_409(client: Client) -> None:
    await create(client, mrn="DUP-1")
    response = await client.post(API, json=body(mrn="DUP-1"))
    assert (response.status_code, response.json()["code"]) == (409, "patients.duplicate_mrn")


async def test_unknown_ids_are_404_problems(client: Client) -> None:
    response = await client.get(f"{API}/{uuid4()}")
    assert (response.status_code, response.json()["code"]) == (404, "patients.not_found")
    assert (await client.get(f"{API}/mrn/NOPE")).status_code == 404
    assert (await client.patch(f"{API}/{uuid4()}", json={"gender": "male"})).status_code == 404
    assert (await client.delete(f"{API}/{uuid4()}")).status_code == 404


async def test_get_by_mrn(client: Client) -> None:
    created = await create(client, mrn="BY-MRN 7")
    response = await client.get(f"{API}/mrn/BY-MRN 7")
    assert (response.status_code, response.json()["id"]) == (200, created["id"])


async def test_list_is_paginated_with_the_reference_envelope(client: Client) -> None:
    for i in range(23):
        await create(client, name={"given": [f"Given{i:02d}"], "family": "Pager"})
    page = (await client.get(API, params={"page": 3, "page_size": 10})).json()
    assert {k: page[k] for k in ("total", "page", "page_size", "has_next", "has_previous")} == {
        "total": 23,
        "page": 3,
        "page_size": 10,
        "has_next": False,
        "has_previous": True,
    }
    assert [p["full_name"] for p in page["items"]] == ["Given20 Pager", "Given21 Pager", "Given22 Pager"]
    first = (await client.get(API, params={"page_size": 10})).json()
    assert (first["has_next"], first["has_previous"], len(first["items"])) == (True, False, 10)
    response = await client.get(API, params={"page_size": 101})
    assert (response.status_code, response.json()["errors"][0]["loc"]) == (422, ["query", "page_size"])


async def test_name_search_ignores_case_and_accents_and_matches_prefixes(client: Client) -> None:
    target = await create(client, name={"given": ["Zoë"], "family": "Ávila"})
    await create(client, name={"given": ["Aaron"], "family": "Okafor"})
    for query in ("avi", "ÁVILA", "zoe", "zo av"):
        found = (await client.get(f"{API}/search", params={"query": query})).json()
        assert [p["id"] for p in found] == [target["id"]], query
    assert (await client.get(f"{API}/search", params={"query": "vila"})).json() == []
    listed = (await client.get(API, params={"search": "AVIL"})).json()
    assert [p["id"] for p in listed["items"]] == [target["id"]]


async def test_phone_search_matches_whatever_format_was_typed(client: Client) -> None:
    target = await create(client, phone="+1 617 492 3500")
    await create(client, phone="+44 20 7946 0958")
    for typed in ("617-492-3500", "(617) 492 3500", "+16174923500", "492-3500", "1 617 4923500"):
        found = (await client.get(f"{API}/search", params={"query": typed, "type": "phone"})).json()
        assert [p["id"] for p in found] == [target["id"]], typed
    listed = (await client.get(API, params={"search": "617.492.3500"})).json()
    assert [p["id"] for p in listed["items"]] == [target["id"]]


async def test_search_by_mrn_and_email_and_query_rules(client: Client) -> None:
    target = await create(client, mrn="EXACT-42", email="Unique.Person@Clinic.example")
    await create(client, mrn="EXACT-420")
    found = (await client.get(f"{API}/search", params={"query": "EXACT-42", "type": "mrn"})).json()
    assert [p["id"] for p in found] == [target["id"]]
    found = (await client.get(f"{API}/search", params={"query": "unique.person@", "type": "email"})).json()
    assert [p["id"] for p in found] == [target["id"]]
    response = await client.get(f"{API}/search", params={"query": "a"})
    assert (response.status_code, response.json()["errors"][0]["loc"]) == (422, ["query", "query"])
    response = await client.get(f"{API}/search", params={"query": "abc", "limit": 51})
    assert response.status_code == 422


async def test_advanced_search_combines_criteria(client: Client) -> None:
    target = await create(
        client,
        name={"given": ["Ngozi"], "family": "Okafor"},
        gender="female",
        birth_date="1990-02-03",
        addresses=[{"city": "Lagos"}],
    )
    await create(
        client,
        name={"given": ["Nnamdi"], "family": "Okafor"},
        gender="male",
        birth_date="1990-02-03",
        addresses=[{"city": "Lagos"}],
    )
    response = await client.post(
        f"{API}/search", json={"name": "okafor", "gender": "female", "city": "LAGOS", "birth_date": "1990-02-03"}
    )
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [target["id"]]
    response = await client.post(f"{API}/search", json={"identifier": f"urn:prm:mrn|{target['mrn']}"})
    assert [p["id"] for p in response.json()["items"]] == [target["id"]]
    response = await client.post(f"{API}/search", json={"identifier": "999-12-3456", "page_size": 1})
    assert (response.json()["total"], response.json()["has_next"]) == (2, True)
    response = await client.post(f"{API}/search", json={})
    assert response.status_code == 422


async def test_patch_changes_only_what_is_sent_and_guards_the_version(client: Client) -> None:
    created = await create(client)
    url = f"{API}/{created['id']}"
    response = await client.patch(url, json={"gender": "other", "addresses": []}, headers={"If-Match": 'W/"1"'})
    assert response.status_code == 200
    updated = response.json()
    assert (updated["gender"], updated["addresses"], updated["version"]) == ("other", [], 2)
    assert updated["birth_date"] == created["birth_date"]
    assert response.headers["etag"] == 'W/"2"'
    stale = await client.patch(url, json={"gender": "male"}, headers={"If-Match": 'W/"1"'})
    assert (stale.status_code, stale.json()["code"]) == (409, "prm.stale_version")
    stale = await client.patch(url, json={"gender": "male", "version": 1})
    assert stale.status_code == 409
    response = await client.patch(url, json={"birth_date": None, "version": 2})
    assert (response.status_code, response.json()["birth_date"]) == (200, None)
    response = await client.patch(url, json={"telecom": [{"system": "phone", "value": "bad"}]})
    assert response.json()["errors"][0]["loc"] == ["body", "telecom", 0, "value"]
    assert (await client.get(url)).json()["version"] == 3  # the failed PATCH wrote nothing


async def test_patch_to_a_taken_mrn_is_409(client: Client) -> None:
    await create(client, mrn="TAKEN")
    other = await create(client)
    response = await client.patch(f"{API}/{other['id']}", json={"mrn": "TAKEN"})
    assert (response.status_code, response.json()["code"]) == (409, "patients.duplicate_mrn")


async def test_delete_is_a_soft_delete_and_activate_undoes_it(client: Client) -> None:
    created = await create(client)
    response = await client.delete(f"{API}/{created['id']}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Patient deleted successfully", "patient_id": created["id"]}
    assert (await client.get(f"{API}/{created['id']}")).json()["status"] == "inactive"
    inactive = (await client.get(API, params={"status": "inactive"})).json()
    assert [p["id"] for p in inactive["items"]] == [created["id"]]
    response = await client.post(f"{API}/{created['id']}/activate")
    assert (response.status_code, response.json()["status"]) == (200, "active")


async def test_a_deceased_patient_cannot_be_reactivated(client: Client) -> None:
    created = await create(client, deceased_date="2020-01-01")
    assert created["status"] == "deceased"
    response = await client.post(f"{API}/{created['id']}/activate")
    assert (response.status_code, response.json()["code"]) == (422, "patients.deceased")


async def test_demographics(client: Client) -> None:
    await create(client, gender="female", birth_date="2015-01-01", addresses=[{"city": "Boston"}])
    await create(client, gender="female", birth_date="1950-01-01", addresses=[{"city": "Boston"}])
    await create(client, gender="male", birth_date=None, addresses=[])
    stats = (await client.get(f"{API}/stats/demographics")).json()
    assert stats["total"] == 3
    assert stats["by_gender"] == {"female": 2, "male": 1}
    assert stats["by_city"] == {"Boston": 2, "unknown": 1}
    assert stats["by_age_band"]["0-17"] == 1
    assert stats["by_age_band"]["unknown"] == 1
    assert stats["by_status"] == {"active": 3}


async def test_a_tenant_id_other_than_the_callers_is_403(client: Client) -> None:
    other = str(uuid4())
    assert (await client.get(API, params={"tenant_id": other})).status_code == 403
    response = await client.post(API, json=body(tenant_id=other))
    assert (response.status_code, response.json()["code"]) == (403, "prm.tenant_mismatch")
    created = await create(client)
    response = await client.patch(f"{API}/{created['id']}", json={"tenant_id": other})
    assert response.status_code == 403


async def test_tenants_never_see_each_others_patients(client: Client, other_tenant_client: Client) -> None:
    created = await create(client, mrn="SHARED-MRN")
    other = other_tenant_client  # an admin of another tenant
    if True:
        assert (await other.get(f"{API}/{created['id']}")).status_code == 404
        assert (await other.get(f"{API}/mrn/SHARED-MRN")).status_code == 404
        assert (await other.get(API)).json()["total"] == 0
        assert (await other.patch(f"{API}/{created['id']}", json={"gender": "male"})).status_code == 404
        assert (await other.delete(f"{API}/{created['id']}")).status_code == 404
        response = await other.post(API, json=body(mrn="SHARED-MRN"))
        assert response.status_code == 201  # MRNs are unique per tenant, not globally
    assert (await client.get(API)).json()["total"] == 1


async def test_a_long_list_stops_counting_and_says_its_total_is_a_lower_bound(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "COUNT_LIMIT", 2)  # 10,000 in production
    family = f"Capped{uuid4().hex[:6]}"
    for given in ("Ann", "Bea", "Cy", "Di"):
        await create(client, name={"family": family, "given": [given]}, mrn=f"CAP-{uuid4().hex[:8]}")
    for params in ({"search": family}, {}):
        first = (await client.get(API, params={**params, "page_size": 1})).json()
        assert (first["total"], first["total_exact"], first["has_next"]) == (3, False, True)  # "3 or more"
    last = (await client.get(API, params={"search": family, "page_size": 1, "page": 4})).json()
    assert (last["total"], "total_exact" in last, last["has_next"]) == (4, False, False)  # exact again
