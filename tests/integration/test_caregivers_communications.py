"""A patient's messages also go to the caregivers who receive the patient's communications, on
SQLite and PostgreSQL: one copy per caregiver on the message's channel (respecting the
caregiver's preferred channel, active period and the patient's own address), none for replies or
messages to an explicit recipient, and the patient's consent for the channel applies to the copies."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest

from prm.application.communications.messages_dispatch import DispatchMessages
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.integration.messages_support import API, Client, a_message, a_patient

PATIENTS = "/api/v1/prm/patients"


async def a_caregiver(client: Client, patient_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": {"given": ["Maria"], "family": "Lovelace"},
        "relationship": "MTH",
        "telecom": [{"system": "phone", "value": "+16175550100"}, {"system": "email", "value": "maria@example.org"}],
        "receives_communications": True,
    }
    body.update(fields)
    response = await client.post(f"{PATIENTS}/{patient_id}/caregivers", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def messages_of(client: Client, patient_id: str) -> list[dict[str, Any]]:
    listed = await client.get(API, params={"patient_id": patient_id, "page_size": 100})
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


async def test_a_message_to_the_patient_is_copied_to_receiving_caregivers(client: Client) -> None:
    patient = await a_patient(client)
    await a_caregiver(client, patient["id"])  # sms and email
    await a_caregiver(client, patient["id"], name={"family": "Email only"}, preferred_channel="email")
    await a_caregiver(client, patient["id"], name={"family": "Not receiving"}, receives_communications=False)
    await a_caregiver(client, patient["id"], name={"family": "Past"}, period_end="2020-01-01")
    await a_caregiver(  # the patient's own phone: the patient's message is enough
        client, patient["id"], name={"family": "Shares"}, telecom=[{"system": "phone", "value": "+16174923500"}]
    )

    sms = await a_message(client, patient["id"])
    assert sms["recipient"] == "+16174923500"
    by_recipient = {m["recipient"]: m for m in await messages_of(client, patient["id"])}
    assert set(by_recipient) == {"+16174923500", "+16175550100"}
    copy = by_recipient["+16175550100"]
    assert (copy["message"], copy["channel"], copy["status"]) == (sms["message"], "sms", "queued")

    await a_message(client, patient["id"], channel="email", subject="Hello", message="Dear Ada")
    emails = {m["recipient"] for m in await messages_of(client, patient["id"]) if m["channel"] == "email"}
    assert emails == {"ada@example.org", "maria@example.org"}


async def test_no_copy_for_an_explicit_recipient_or_without_caregivers(client: Client) -> None:
    patient = await a_patient(client)
    await a_message(client, patient["id"])
    assert len(await messages_of(client, patient["id"])) == 1
    await a_caregiver(client, patient["id"])
    await a_message(client, patient["id"], recipient="+16175550199")
    assert {m["recipient"] for m in await messages_of(client, patient["id"])} == {"+16174923500", "+16175550199"}


@pytest.fixture
async def prm(settings: Settings, tenant_id: UUID, client: Client) -> AsyncIterator[Prm]:
    async with Prm.open(settings, tenant_id=tenant_id) as opened:
        yield opened


async def test_the_patients_consent_applies_to_the_copies(client: Client, prm: Prm) -> None:
    patient = await a_patient(client)
    await a_caregiver(client, patient["id"])
    denied = await client.put(f"{API}/consents/{patient['id']}/sms", json={"status": "active", "provision": "deny"})
    assert denied.status_code == 200, denied.text
    await a_message(client, patient["id"])
    async with prm.unit() as scope:
        await (await scope.get(DispatchMessages))({})
    sent = await messages_of(client, patient["id"])
    assert len(sent) == 2
    assert {(m["status"], m["status_reason"]) for m in sent} == {("blocked", "opted_out:sms")}
