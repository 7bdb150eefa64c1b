"""FHIR R4 Communication (messages) read and search on SQLite and PostgreSQL, validated with the
R4B models: the status, medium and participant mappings, the filters, paging, tenancy, audit and
bad parameters."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.operationoutcome import OperationOutcome

from prm.application.communications.messages_dispatch import DispatchMessages
from prm.application.communications.messages_ports import MessageRepository
from prm.application.shared.ports import UnitOfWork
from prm.domain.communications.channels import Channel
from prm.domain.communications.messages import incoming
from prm.domain.shared.ids import PatientId, TenantId
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.integration.fhir_support import searchset
from tests.integration.messages_support import API as COMMUNICATIONS
from tests.integration.messages_support import Client, a_message, a_patient

API = "/api/v1/prm"
FHIR = f"{API}/fhir"


@pytest.fixture
async def prm(settings: Settings, tenant_id: UUID, client: Client) -> AsyncIterator[Prm]:
    async with Prm.open(settings, tenant_id=tenant_id) as opened:
        yield opened


async def _dispatch(prm: Prm) -> None:
    """Send every due message through the local sink, which reports each delivered."""
    async with prm.unit() as scope:
        await (await scope.get(DispatchMessages))({})


async def _inbound(prm: Prm, tenant_id: UUID, patient: str, reply_to: str | None = None) -> str:
    now = datetime.now(UTC)
    message = incoming(
        tenant_id=TenantId(tenant_id),
        patient_id=PatientId(UUID(patient)),
        channel=Channel.SMS,
        sender="+16174923500",
        recipient="+15005550006",
        body="C",
        received_at=now,
        now=now,
        provider="twilio",
        provider_message_id=f"SM{uuid4().hex}",
        reply_to_id=UUID(reply_to) if reply_to else None,
    )
    async with prm.unit() as scope:
        await (await scope.get(MessageRepository)).add(message)
        await (await scope.get(UnitOfWork)).commit()
    return str(message.id)


async def _search(client: Client, params: Any) -> dict[str, Any]:
    return await searchset(client, "Communication", Communication, params)


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


async def test_read_maps_status_medium_participants_and_body(
    client: Client, other_tenant_client: Client, prm: Prm, tenant_id: UUID
) -> None:
    patient = (await a_patient(client))["id"]
    message = await a_message(client, patient, category="reminder")
    await _dispatch(prm)
    response = await client.get(f"{FHIR}/Communication/{message['id']}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    Communication.model_validate(resource)
    assert resource["status"] == "completed"
    assert resource["subject"] == {"reference": f"Patient/{patient}"}
    assert resource["recipient"] == [{"reference": f"Patient/{patient}", "display": "+16174923500"}]
    assert [c["code"] for c in resource["medium"][0]["coding"]] == ["SMSWRIT", "sms"]
    assert resource["category"][0]["coding"][0]["code"] == "reminder"
    assert resource["payload"] == [{"contentString": "Your appointment is tomorrow"}]
    assert resource["identifier"][0]["system"] == "urn:prm:message-provider:local"
    assert {"sent", "received"} <= set(resource)
    rest = (await client.get(f"{COMMUNICATIONS}/{message['id']}")).json()
    assert resource["meta"]["versionId"] == str(rest["version"])

    reply = await _inbound(prm, tenant_id, patient, message["id"])
    inbound = (await client.get(f"{FHIR}/Communication/{reply}")).json()
    Communication.model_validate(inbound)
    assert inbound["sender"] == {"reference": f"Patient/{patient}", "display": "+16174923500"}
    assert inbound["inResponseTo"] == [{"reference": f"Communication/{message['id']}"}]

    missing = await other_tenant_client.get(f"{FHIR}/Communication/{message['id']}")
    assert missing.status_code == 404
    OperationOutcome.model_validate(missing.json())
    unknown = await client.get(f"{FHIR}/Communication/{uuid4()}")
    assert unknown.status_code == 404
    OperationOutcome.model_validate(unknown.json())
    assert _ids(await _search(other_tenant_client, {"patient": patient})) == []
    assert _ids(await _search(other_tenant_client, {})) == []
    reads = await client.get(f"{API}/audit/events", params={"entity_id": message["id"], "action": "read"})
    assert reads.json()["total"] == 2  # the FHIR read and the REST one
    await _search(client, {"patient": patient})
    searches = await client.get(f"{API}/audit/events", params={"entity_id": message["id"], "action": "search"})
    assert searches.json()["total"] == 1


async def test_search_filters(client: Client, prm: Prm, tenant_id: UUID) -> None:
    ada, bob = (await a_patient(client))["id"], (await a_patient(client))["id"]
    delivered = (await a_message(client, ada, category="reminder"))["id"]
    await _dispatch(prm)
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    cancelled = (await a_message(client, ada, scheduled_for=later))["id"]
    assert (await client.patch(f"{COMMUNICATIONS}/{cancelled}", json={"status": "cancelled"})).status_code == 200
    email = (await a_message(client, bob, channel="email", subject="Results", message="Dear Ada"))["id"]
    failed = (await a_message(client, bob, category="billing"))["id"]
    refused = {"status": "failed", "error_message": "carrier refused"}
    assert (await client.patch(f"{COMMUNICATIONS}/{failed}", json=refused)).status_code == 200
    inbound = await _inbound(prm, tenant_id, bob)
    today = datetime.now(UTC).date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    everything = [inbound, failed, email, cancelled, delivered]
    cases: list[tuple[Any, list[str]]] = [
        ({}, everything),
        ({"patient": f"Patient/{ada}"}, [cancelled, delivered]),
        ({"patient": bob}, [inbound, failed, email]),
        ({"status": "completed"}, [inbound, delivered]),
        ({"status": "preparation"}, [email]),
        ({"status": "not-done"}, [cancelled]),
        ({"status": "http://hl7.org/fhir/event-status|stopped,preparation"}, [failed, email]),
        ({"status": "on-hold"}, []),
        ({"status": "in-progress", "patient": ada}, []),
        ({"medium": "EMAILWRIT"}, [email]),
        ({"medium": "urn:prm:channel|sms", "patient": ada}, [cancelled, delivered]),
        ({"medium": "MSGWRIT"}, []),
        ({"category": "reminder"}, [delivered]),
        ({"category": "billing,urn:prm:communication-category|reminder"}, [failed, delivered]),
        ({"sent": str(today)}, [delivered]),
        ({"sent": f"lt{today}"}, []),
        ({"received": f"ge{yesterday}"}, [inbound, delivered]),
        ([("received", f"ge{today}"), ("received", f"lt{tomorrow}"), ("patient", bob)], [inbound]),
        ({"received": f"gt{tomorrow}"}, []),
        ([("sent", f"gt{tomorrow}"), ("sent", f"lt{yesterday}")], []),
    ]
    for params, expected in cases:
        bundle = await _search(client, params)
        assert _ids(bundle) == expected, params
        assert bundle["total"] == len(expected), params
    stopped = (await client.get(f"{FHIR}/Communication/{failed}")).json()
    assert stopped["statusReason"] == {
        "coding": [{"system": "urn:prm:message-status", "code": "failed"}],
        "text": "carrier refused",
    }


async def test_paging_links(client: Client) -> None:
    patient = (await a_patient(client))["id"]
    ids = {(await a_message(client, patient))["id"] for _ in range(3)}
    first = await _search(client, {"patient": patient, "_count": "2"})
    assert (first["total"], len(_ids(first))) == (3, 2)
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "/fhir/Communication?" in links["self"]
    second = await _search(client, dict(p.split("=") for p in links["next"].split("?")[1].split("&")))
    assert set(_ids(first)) | set(_ids(second)) == ids
    assert "next" not in {link["relation"] for link in second["link"]}


async def test_bad_parameters_are_422_outcomes_naming_them(client: Client, api_key_client: Any) -> None:
    cases: list[tuple[dict[str, str], str]] = [
        ({"patient": f"Practitioner/{uuid4()}"}, "patient"),
        ({"patient": "not-an-id"}, "patient"),
        ({"status": "done"}, "status"),
        ({"status": "urn:other|completed"}, "status"),
        ({"medium": "PHONE"}, "medium"),
        ({"medium": "urn:other|sms"}, "medium"),
        ({"category": "urn:other|reminder"}, "category"),
        ({"category": "x" * 65}, "category"),
        ({"sent": "ne2026-01-01"}, "sent"),
        ({"sent": "2026-13-01"}, "sent"),
        ({"received": "tomorrow"}, "received"),
        ({"_count": "101"}, "_count"),
        ({"_count": "10", "_offset": "5"}, "_offset"),
    ]
    for params, name in cases:
        response = await client.get(f"{FHIR}/Communication", params=params)
        assert response.status_code == 422, (params, response.text)
        document = response.json()
        OperationOutcome.model_validate(document)
        assert name in document["issue"][0]["diagnostics"], params
    reader = await api_key_client("communications:read")
    assert (await reader.get(f"{FHIR}/Communication")).status_code == 200
    forbidden = await (await api_key_client("patients:read")).get(f"{FHIR}/Communication")
    assert forbidden.status_code == 403
    OperationOutcome.model_validate(forbidden.json())
    forbidden_read = await (await api_key_client("patients:read")).get(f"{FHIR}/Communication/{uuid4()}")
    assert forbidden_read.status_code == 403
