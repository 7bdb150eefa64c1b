"""The practitioners API and its SQL adapters, on SQLite and on PostgreSQL (see ``tests/conftest.py``)."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.outbox_tables import outbox
from prm.application.practitioners.import_practitioners import ImportPractitioners, PractitionerRecord
from prm.application.practitioners.inputs import PractitionerInput
from prm.application.practitioners.ports import PractitionerRepository
from prm.application.practitioners.register_practitioner import RegisterPractitioner
from prm.application.shared.imports import BatchOutcome, SourceRef
from prm.domain.practitioners.errors import DuplicateExternalId, DuplicateLicense
from prm.domain.practitioners.model import Organization, Practitioner, PractitionerDetails
from prm.domain.shared.contact import Address
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings

BASE = "/api/v1/prm/practitioners"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
Client = AsyncTestClient[Litestar]


def body(first: str = "John", last: str = "Smith", **more: Any) -> dict[str, Any]:
    return {"first_name": first, "last_name": last, **more}


async def create(client: Client, first: str = "John", last: str = "Smith", **more: Any) -> dict[str, Any]:
    response = await client.post(BASE, json=body(first, last, **more))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# --- create and read ------------------------------------------------------------------------------


async def test_create_is_201_with_e164_phones_and_an_etag(client: Client, tenant_id: UUID) -> None:
    response = await client.post(
        BASE,
        json=body(
            prefix="Dr.",
            middle_name="A",
            gender="male",
            qualification="MD, FACC",
            speciality="Cardiology",
            sub_speciality="Interventional Cardiology",
            license_number="MD123456",
            registration_number="REG789",
            phone_primary="(617) 492-3500",
            email_primary="Dr.Smith@Clinic.COM",
            tenant_id=str(tenant_id),
            address={"use": "work", "line": ["1 Main St"], "city": "Boston", "state": "MA", "postal_code": "02110"},
            organization={
                "name": "Heart Clinic",
                "phone": "617 492 3501",
                "external_id": "org-1",
                "address": {"city": "Boston"},
            },
            meta_data={"source": "test", "tags": [1, "a"]},
            external_id="prov-1",
        ),
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == 'W/"1"'
    created = response.json()
    assert created["name"] == "Dr. John Smith"
    assert created["tenant_id"] == str(tenant_id)
    assert (created["phone_primary"], created["email_primary"]) == ("+16174923500", "Dr.Smith@clinic.com")
    assert created["organization"]["phone"] == "+16174923501"
    assert created["organization"]["address"]["city"] == "Boston"
    assert created["address"]["line"] == ["1 Main St"]
    assert created["meta_data"] == {"source": "test", "tags": [1, "a"]}
    assert (created["is_active"], created["version"], created["external_id"]) == (True, 1, "prov-1")

    fetched = await client.get(f"{BASE}/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == 'W/"1"'


async def test_get_of_an_unknown_id_is_404(client: Client) -> None:
    response = await client.get(f"{BASE}/{uuid4()}")
    assert (response.status_code, response.json()["code"]) == (404, "practitioners.not_found")


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        (body(phone_primary="555"), ["body", "phone_primary"]),
        (body(email_primary="not-an-email"), ["body", "email_primary"]),
        (body(organization={"name": "Clinic", "phone": "12"}), ["body", "organization", "phone"]),
        ({"first_name": "John"}, ["body", "last_name"]),
        (body(gender="robot"), ["body", "gender"]),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(client: Client, payload: dict[str, Any], loc: list[str]) -> None:
    response = await client.post(BASE, json=payload)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [loc]


async def test_a_duplicate_license_or_external_id_is_409(client: Client) -> None:
    await create(client, license_number="MD1", external_id="x1")
    license_taken = await client.post(BASE, json=body("Ann", "Lee", license_number="MD1"))
    external_taken = await client.post(BASE, json=body("Ann", "Lee", external_id="x1"))
    assert (license_taken.status_code, license_taken.json()["code"]) == (409, "practitioners.duplicate_license")
    assert (external_taken.status_code, external_taken.json()["code"]) == (409, "practitioners.duplicate_external_id")


async def test_another_tenants_id_in_the_body_or_query_is_403(client: Client) -> None:
    other = str(uuid4())
    assert (await client.post(BASE, json=body(tenant_id=other))).status_code == 403
    for path in ("", "/simple", "/specialities"):
        response = await client.get(f"{BASE}{path}", params={"tenant_id": other})
        assert (response.status_code, response.json()["code"]) == (403, "prm.tenant_mismatch")


# --- lists ----------------------------------------------------------------------------------------


async def _team(client: Client) -> dict[str, str]:
    people = [
        body("Zoe", "Ávila", prefix="Dr.", speciality="Cardiology"),
        body("Adam", "avila", speciality="cardiology"),
        body("John", "Smith", speciality="Pédiatrie", is_active=False),
        body("Ann", "Smithe", middle_name="Joanna"),
    ]
    ids = {}
    for person in people:
        ids[person["first_name"]] = (await create(client, **person))["id"]
    return ids


async def _names(client: Client, **params: Any) -> list[str]:
    response = await client.get(BASE, params=params)
    assert response.status_code == 200, response.text
    return [item["first_name"] for item in response.json()["items"]]


async def test_list_orders_by_last_then_first_name_and_filters(client: Client) -> None:
    await _team(client)
    assert await _names(client) == ["Adam", "Zoe", "John", "Ann"]
    assert await _names(client, speciality="CARDIOLOGY") == ["Adam", "Zoe"]
    assert await _names(client, speciality="pédiatrie") == ["John"]
    assert await _names(client, is_active="false") == ["John"]
    assert await _names(client, is_active="true") == ["Adam", "Zoe", "Ann"]
    assert await _names(client, search="avila") == ["Adam", "Zoe"]
    assert await _names(client, search="ÁVI zo") == ["Zoe"]
    assert await _names(client, search="jo") == ["John", "Ann"]
    assert await _names(client, search="mith") == []
    assert await _names(client, search="100%_") == []


async def test_list_pages_with_the_reference_envelope(client: Client) -> None:
    await _team(client)
    first = (await client.get(BASE, params={"page_size": 3})).json()
    second = (await client.get(BASE, params={"page": 2, "page_size": 3})).json()
    assert {k: v for k, v in first.items() if k != "items"} == {
        "total": 4,
        "page": 1,
        "page_size": 3,
        "has_next": True,
        "has_previous": False,
    }
    assert {k: v for k, v in second.items() if k != "items"} == {
        "total": 4,
        "page": 2,
        "page_size": 3,
        "has_next": False,
        "has_previous": True,
    }
    assert [i["first_name"] for i in first["items"] + second["items"]] == ["Adam", "Zoe", "John", "Ann"]
    assert (await client.get(BASE, params={"page_size": 101})).status_code == 422
    assert (await client.get(BASE, params={"page": 0})).status_code == 422


async def test_simple_list_and_specialities(client: Client) -> None:
    ids = await _team(client)
    simple = (await client.get(f"{BASE}/simple")).json()
    assert simple == [
        {"id": ids["Adam"], "name": "Adam avila", "speciality": "cardiology", "is_active": True},
        {"id": ids["Zoe"], "name": "Dr. Zoe Ávila", "speciality": "Cardiology", "is_active": True},
        {"id": ids["Ann"], "name": "Ann Smithe", "speciality": None, "is_active": True},
    ]
    everyone = (await client.get(f"{BASE}/simple", params={"active_only": "false", "speciality": "PEDIATRIE"})).json()
    assert [(s["id"], s["is_active"]) for s in everyone] == [(ids["John"], False)]
    specialities = (await client.get(f"{BASE}/specialities")).json()
    assert specialities == ["Cardiology", "cardiology", "Pédiatrie"]


# --- update and delete ----------------------------------------------------------------------------


async def test_patch_changes_given_fields_and_refuses_a_stale_version(client: Client) -> None:
    created = await create(client, speciality="Cardiology", phone_primary="617-492-3500")
    url = f"{BASE}/{created['id']}"
    patched = await client.patch(
        url,
        json={"speciality": "Neurology", "email_primary": "a@example.com", "organization": {"name": "Brain Clinic"}},
        headers={"If-Match": 'W/"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == 'W/"2"'
    result = patched.json()
    assert (result["speciality"], result["email_primary"], result["phone_primary"]) == (
        "Neurology",
        "a@example.com",
        "+16174923500",
    )
    assert (result["organization"]["name"], result["version"]) == ("Brain Clinic", 2)

    stale = await client.patch(url, json={"speciality": "Oncology"}, headers={"If-Match": 'W/"1"'})
    assert (stale.status_code, stale.json()["code"]) == (409, "prm.stale_version")
    stale_body = await client.patch(url, json={"speciality": "Oncology", "version": 1})
    assert stale_body.status_code == 409
    assert (await client.get(url)).json()["speciality"] == "Neurology"

    cleared = await client.patch(url, json={"organization": None, "phone_primary": None, "version": 2})
    assert (cleared.json()["organization"], cleared.json()["phone_primary"]) == (None, None)


async def test_patch_errors(client: Client) -> None:
    first = await create(client, license_number="MD1")
    second = await create(client, "Ann", "Lee")
    url = f"{BASE}/{second['id']}"
    taken = await client.patch(url, json={"license_number": "MD1"})
    assert (taken.status_code, taken.json()["code"]) == (409, "practitioners.duplicate_license")
    bad_phone = await client.patch(url, json={"phone_primary": "12"})
    assert (bad_phone.status_code, bad_phone.json()["errors"][0]["loc"]) == (422, ["body", "phone_primary"])
    assert (await client.patch(url, json={"last_name": None})).status_code == 422
    assert (await client.patch(url, json={"id": first["id"]})).status_code == 422
    assert (await client.patch(f"{BASE}/{uuid4()}", json={"prefix": "Dr."})).status_code == 404


async def test_delete_is_204_and_then_the_practitioner_is_gone(client: Client) -> None:
    created = await create(client, license_number="MD9")
    url = f"{BASE}/{created['id']}"
    stale = await client.delete(url, headers={"If-Match": 'W/"7"'})
    assert stale.status_code == 409
    deleted = await client.delete(url)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(url)).status_code == 404
    assert (await client.get(BASE)).json()["total"] == 0
    await create(client, "Ann", "Lee", license_number="MD9")  # the license is free again


# --- the SQL adapters through the library ---------------------------------------------------------


def _record(line: int, external_id: str, last: str, **more: Any) -> PractitionerRecord:
    return PractitionerRecord(
        source=SourceRef("providers.csv", line),
        practitioner=PractitionerInput(first_name="Kim", last_name=last, external_id=external_id, **more),
    )


async def test_import_upserts_in_batches_without_duplicates(settings: Settings) -> None:
    practice = Organization(name="Clinic", phone="617-492-3500", address=Address(city="Boston"), external_id="o1")
    batch = [
        _record(2, "p1", "Ávila", organization=practice, speciality="GENERAL PRACTICE"),
        _record(3, "p2", "Lee", license_number="L2"),
        _record(4, "p3", "Ng", phone_primary="12"),
    ]
    async with Prm.open(settings) as prm:
        first: BatchOutcome = await prm.run(ImportPractitioners, batch)
        assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
        assert [(r.source.line, r.field) for r in first.rejected] == [(4, "phone_primary")]

        batch[1] = _record(3, "p2", "Lee", license_number="L2", speciality="CARDIOLOGY")
        second: BatchOutcome = await prm.run(ImportPractitioners, batch[:2])
        assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 1, 1, [])

        async with prm.unit() as unit:
            repository = await unit.get(PractitionerRepository)
            stored = await repository.get_many_by_external_id(["p1", "p2", "p3"])
        database = await prm.get(SqlDatabase)  # type: ignore[type-abstract]
        async with database.connect(TenantId(settings.default_tenant_id)) as connection:
            events = (
                await connection.execute(
                    sa.select(outbox.c.event_type, outbox.c.aggregate_id).where(
                        outbox.c.tenant_id == settings.default_tenant_id
                    )
                )
            ).all()
    assert sorted(stored) == ["p1", "p2"]
    assert sorted((t, str(a)) for t, a in events) == sorted(
        [
            ("practitioner.registered", str(stored["p1"].id)),
            ("practitioner.registered", str(stored["p2"].id)),
            ("practitioner.updated", str(stored["p2"].id)),
        ]
    )
    assert stored["p1"].details.organization == Organization(
        name="Clinic", phone="+16174923500", address=Address(city="Boston"), external_id="o1"
    )
    assert (stored["p1"].version, stored["p2"].version, stored["p2"].details.speciality) == (1, 2, "CARDIOLOGY")


async def test_the_database_keys_and_versions_hold_against_the_repository(settings: Settings, tenant_id: UUID) -> None:
    def practitioner(**details: Any) -> Practitioner:
        return Practitioner.register(
            tenant_id=TenantId(tenant_id),
            now=NOW,
            details=PractitionerDetails(first_name="A", last_name="B", **details),
        )

    async with Prm.open(settings) as prm:
        async with prm.unit() as unit:
            repository = await unit.get(PractitionerRepository)
            with pytest.raises(DuplicateLicense):
                await repository.add_many([practitioner(license_number="L1"), practitioner(license_number="L1")])
        async with prm.unit() as unit:
            repository = await unit.get(PractitionerRepository)
            with pytest.raises(DuplicateExternalId):
                await repository.add_many([practitioner(external_id="e1"), practitioner(external_id="e1")])
        saved = practitioner()
        async with prm.unit() as unit:
            repository = await unit.get(PractitionerRepository)
            await repository.add(saved)
            saved.revise(NOW, prefix="Dr.")
            with pytest.raises(StaleVersion):
                await repository.save(saved, expected_version=2)
            await repository.save(saved, expected_version=1)
            assert (await repository.get(saved.id)) is not None
            with pytest.raises(StaleVersion):
                await repository.save_many([(saved, 1)])
            with pytest.raises(StaleVersion):
                await repository.remove(
                    Practitioner(
                        id=saved.id,
                        tenant_id=saved.tenant_id,
                        details=saved.details,
                        version=1,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
            assert await repository.get(saved.id) is not None
            await repository.remove(saved)
            assert await repository.get(saved.id) is None


async def test_another_tenants_practitioners_are_invisible(client: Client, settings: Settings) -> None:
    async with Prm.open(settings, tenant_id=uuid4()) as other_tenant:
        theirs = await other_tenant.run(
            RegisterPractitioner,
            PractitionerInput(
                first_name="Kim", last_name="Other", speciality="Oncology", license_number="SHARED", external_id="e"
            ),
        )
    mine = await create(client, license_number="SHARED", external_id="e")  # keys are per tenant
    assert (await client.get(f"{BASE}/{theirs.id}")).status_code == 404
    assert (await client.patch(f"{BASE}/{theirs.id}", json={"prefix": "Dr."})).status_code == 404
    assert (await client.delete(f"{BASE}/{theirs.id}")).status_code == 404
    assert [i["id"] for i in (await client.get(BASE)).json()["items"]] == [mine["id"]]
    assert [s["id"] for s in (await client.get(f"{BASE}/simple")).json()] == [mine["id"]]
    assert (await client.get(f"{BASE}/specialities")).json() == []
