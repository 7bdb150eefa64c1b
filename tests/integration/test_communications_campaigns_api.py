"""Campaigns end to end on SQLite and PostgreSQL: created over HTTP, planned and checked by their
jobs as the worker runs them (a scope of the tenant's), sent through the local sink. The
audience's criteria, consent blocking at planning, pacing at the campaign's rate, pause, resume
and cancel with their messages, completion, and the 4xx answers."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from prm.application.communications.campaigns_check import CheckCampaign
from prm.application.communications.campaigns_plan import PlanCampaign
from prm.application.communications.messages_dispatch import DispatchMessages
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.integration.messages_support import API, Client, a_patient

CAMPAIGNS = f"{API}/campaigns"
FLU = {
    "name": "flu_clinic",
    "channel": "sms",
    "language": "en",
    "category": "campaign",
    "body": "{{ patient_name }}, flu jabs are open at {{ clinic_name }}.",
    "variables": ["patient_name", "clinic_name"],
}


@pytest.fixture
async def prm(settings: Settings, tenant_id: UUID, client: Client) -> AsyncIterator[Prm]:
    async with Prm.open(settings, tenant_id=tenant_id) as opened:
        yield opened


async def plan(prm: Prm, campaign: dict[str, Any]) -> None:
    async with prm.unit() as scope:
        await (await scope.get(PlanCampaign))({"campaign_id": campaign["id"]})


async def check(prm: Prm, campaign: dict[str, Any]) -> None:
    async with prm.unit() as scope:
        await (await scope.get(CheckCampaign))({"campaign_id": campaign["id"]})


async def dispatch(prm: Prm) -> None:
    async with prm.unit() as scope:
        await (await scope.get(DispatchMessages))({})


def born(years_ago: int) -> str:
    today = datetime.now(UTC).date()
    return today.replace(year=today.year - years_ago, day=min(today.day, 28)).isoformat()


async def a_recipient(client: Client, *, consent: bool = True, city: str = "Boston", **fields: Any) -> str:
    fields.setdefault("birth_date", born(30))
    patient = await a_patient(client, addresses=[{"city": city}], **fields)
    if consent:
        put = await client.put(f"{API}/consents/{patient['id']}/sms", json={"status": "active"})
        assert put.status_code == 200, put.text
    return str(patient["id"])


async def a_campaign(client: Client, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Flu season",
        "channel": "sms",
        "template_name": "flu_clinic",
        "template_vars": {"clinic_name": "Main St"},
        "audience": {"cities": ["boston"]},
        **fields,
    }
    response = await client.post(CAMPAIGNS, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def recipients(client: Client, campaign: dict[str, Any]) -> dict[str, dict[str, Any]]:
    response = await client.get(API, params={"campaign_id": campaign["id"], "page_size": 100})
    assert response.status_code == 200, response.text
    return {m["patient_id"]: m for m in response.json()["items"]}


async def fetched(client: Client, campaign: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{CAMPAIGNS}/{campaign['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
async def template(client: Client) -> None:
    response = await client.post(f"{API}/templates", json=FLU)
    assert response.status_code == 201, response.text


@pytest.mark.usefixtures("template")
async def test_the_audience_is_chosen_blocked_where_consent_lacks_and_sent_to_completion(
    client: Client, prm: Prm
) -> None:
    ada = await a_recipient(client, name={"given": ["Ada"], "family": "Lovelace"})
    grace = await a_recipient(client, name={"given": ["Grace"], "family": "Hopper"}, city="BOSTON")
    no_consent = await a_recipient(client, consent=False)
    no_phone = await a_recipient(client, phone=None)
    await a_recipient(client, city="Seattle")  # another city
    await a_recipient(client, gender="male")  # another gender
    await a_recipient(client, birth_date=born(70))  # too old
    await a_recipient(client, birth_date=None)  # age unknown: not in an age band
    campaign = await a_campaign(
        client,
        audience={"cities": ["Boston"], "genders": ["female"], "age_min": 18, "age_max": 64},
        rate_per_minute=6000,  # 10 ms apart
    )
    assert (campaign["status"], campaign["recipients"], campaign["planned_at"]) == ("scheduled", 0, None)

    await plan(prm, campaign)
    planned = await fetched(client, campaign)
    assert (planned["status"], planned["recipients"], planned["blocked_at_planning"]) == ("running", 4, 2)
    messages = await recipients(client, campaign)
    assert set(messages) == {ada, grace, no_consent, no_phone}
    assert (messages[no_consent]["status"], messages[no_consent]["status_reason"]) == ("blocked", "no_consent:sms")
    assert (messages[no_phone]["status"], messages[no_phone]["status_reason"]) == ("blocked", "no_address:sms")
    assert messages[ada]["message"] == "Ada, flu jabs are open at Main St."
    assert messages[grace]["message"] == "Grace, flu jabs are open at Main St."
    await plan(prm, campaign)  # a second run of the job plans nothing more
    assert len(await recipients(client, campaign)) == 4

    await check(prm, campaign)
    assert (await fetched(client, campaign))["status"] == "running"  # two still to send
    await asyncio.sleep(0.05)
    await dispatch(prm)
    sent = await recipients(client, campaign)
    assert {sent[ada]["status"], sent[grace]["status"]} == {"delivered"}
    await check(prm, campaign)
    done = await fetched(client, campaign)
    assert done["status"] == "completed"
    assert done["progress"] == {
        "by_status": {"delivered": 2, "blocked": 2},
        "sent": 2,
        "delivered": 2,
        "failed": 0,
        "blocked": 2,
        "cancelled": 0,
        "left": 0,
    }


@pytest.mark.usefixtures("template")
async def test_messages_are_paced_at_the_rate_and_pause_resume_cancel_hold_them(client: Client, prm: Prm) -> None:
    patients = [await a_recipient(client) for _ in range(3)]
    campaign = await a_campaign(client, rate_per_minute=2)
    await plan(prm, campaign)
    messages = await recipients(client, campaign)
    times = sorted(datetime.fromisoformat(messages[p]["scheduled_for"]) for p in patients)
    assert [later - earlier for earlier, later in itertools.pairwise(times)] == [timedelta(seconds=30)] * 2
    assert sorted(m["status"] for m in messages.values()) == ["queued", "scheduled", "scheduled"]

    paused = await client.post(f"{CAMPAIGNS}/{campaign['id']}/pause")
    assert (paused.status_code, paused.json()["status"]) == (200, "paused")
    assert {m["status"] for m in (await recipients(client, campaign)).values()} == {"pending"}
    await dispatch(prm)  # nothing goes while paused
    assert {m["status"] for m in (await recipients(client, campaign)).values()} == {"pending"}
    assert (await client.post(f"{CAMPAIGNS}/{campaign['id']}/pause")).status_code == 409

    resumed = await client.post(f"{CAMPAIGNS}/{campaign['id']}/resume")
    assert (resumed.status_code, resumed.json()["status"]) == (200, "running")
    again = await recipients(client, campaign)
    assert {m["status"] for m in again.values()} == {"scheduled"}
    times = sorted(datetime.fromisoformat(m["scheduled_for"]) for m in again.values())
    assert times[2] - times[0] == timedelta(seconds=60)

    cancelled = await client.post(f"{CAMPAIGNS}/{campaign['id']}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert {m["status"] for m in (await recipients(client, campaign)).values()} == {"cancelled"}
    assert (await client.post(f"{CAMPAIGNS}/{campaign['id']}/resume")).status_code == 409
    progress = (await fetched(client, campaign))["progress"]
    assert (progress["cancelled"], progress["left"]) == (3, 0)


@pytest.mark.usefixtures("template")
async def test_a_campaign_paused_before_its_start_is_planned_when_resumed(client: Client, prm: Prm) -> None:
    await a_recipient(client)
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    campaign = await a_campaign(client, start_at=later)
    await plan(prm, campaign)  # its start has not come: nothing yet
    assert (await fetched(client, campaign))["status"] == "scheduled"
    assert await recipients(client, campaign) == {}
    assert (await client.post(f"{CAMPAIGNS}/{campaign['id']}/pause")).json()["status"] == "paused"
    await plan(prm, campaign)
    assert await recipients(client, campaign) == {}
    assert (await client.post(f"{CAMPAIGNS}/{campaign['id']}/resume")).json()["status"] == "scheduled"


@pytest.mark.usefixtures("template")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"template_name": "no_such_template"}, "template_name"),
        ({"channel": "email"}, "template_name"),  # flu_clinic is an SMS template
        ({"template_vars": {}}, "template_vars"),  # clinic_name missing
        ({"audience": {"age_min": 60, "age_max": 20}}, "audience.age_min"),
        ({"audience": {"genders": ["robot"]}}, "audience.genders"),
        ({"rate_per_minute": 0}, "rate_per_minute"),
        ({"name": "   "}, "name"),
    ],
)
async def test_bad_campaigns_are_4xx_naming_the_field(client: Client, change: dict[str, Any], field: str) -> None:
    body = {
        "name": "Flu",
        "channel": "sms",
        "template_name": "flu_clinic",
        "template_vars": {"clinic_name": "Main St"},
        **change,
    }
    response = await client.post(CAMPAIGNS, json=body)
    assert response.status_code in (400, 422), response.text
    assert field.split(".")[-1] in response.text


@pytest.mark.usefixtures("template")
async def test_list_and_get(client: Client) -> None:
    first = await a_campaign(client, name="First")
    second = await a_campaign(client, name="Second")
    listed = (await client.get(CAMPAIGNS)).json()
    assert [c["id"] for c in listed["items"]][:2] == [second["id"], first["id"]]
    assert (await client.get(CAMPAIGNS, params={"status": "completed"})).json()["total"] == 0
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await client.get(f"{CAMPAIGNS}/{unknown}")).status_code == 404
    assert (await client.post(f"{CAMPAIGNS}/{unknown}/pause")).status_code == 404
