"""The two-way inbox end to end on SQLite and PostgreSQL: signed provider webhooks (from the
loopback Twilio and WhatsApp look-alikes of ``tests/providers``) posted to the real app, the
patient matched and threaded, keywords and reminder replies acted on, and the threads API staff
use. Reminders are sent by the real worker through the messages part."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from litestar import Litestar, Router
from litestar.testing import AsyncTestClient

from prm.adapters.communications.messages_fallbacks import AllowEverything
from prm.application.communications.contracts import SendPolicy
from prm.application.communications.messages_dispatch import DispatchMessages
from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.shared.ids import TenantId
from prm.entrypoints.http import communications_inbox
from prm.entrypoints.http.app import API_PREFIX, create_app
from prm.entrypoints.http.communications_routes import COMMUNICATIONS_ROUTES
from prm.entrypoints.library import LibraryContextProvider
from prm.entrypoints.worker.dispatch import ContainerDispatcher
from prm.entrypoints.worker.service import Worker
from prm.ioc import core_providers, make_container
from prm.ioc.communications_inbox import CommunicationsInboxProvider
from prm.ioc.communications_reminders import CommunicationsRemindersProvider
from prm.ioc.jobs import JOB_HANDLERS
from prm.settings import Settings
from tests.auth import CheapHashing, PerTestLoginThrottle
from tests.providers.twilio import TwilioServer
from tests.providers.whatsapp import WhatsAppServer

Client = AsyncTestClient[Litestar]
API = API_PREFIX
PUBLIC_BASE = "https://prm.example.org"
OUR_NUMBER = "+15005550006"
VERIFY_TOKEN = "verify-" + uuid4().hex


def missing_providers() -> tuple[Provider, ...]:
    """The inbox and reminders providers, while ``core_providers`` lacks them."""
    have = {type(p) for p in core_providers()}
    return tuple(p() for p in (CommunicationsRemindersProvider, CommunicationsInboxProvider) if p not in have)


@pytest.fixture
async def twilio(client: Client) -> AsyncIterator[TwilioServer]:
    """A loopback Twilio, configured as the tenant's SMS provider (its auth token signs inbound)."""
    with TwilioServer() as server:
        body = {
            "kind": "twilio",
            "settings": {
                "account_sid": server.account_sid,
                "from_number": OUR_NUMBER,
                "base_url": server.base_url,
                "callback_base_url": PUBLIC_BASE,
            },
            "secrets": {"auth_token": server.auth_token},
        }
        response = await client.put(f"{API}/communications/providers/sms", json=body)
        assert response.status_code == 200, response.text
        yield server


@pytest.fixture
async def whatsapp(client: Client) -> AsyncIterator[WhatsAppServer]:
    """A loopback WhatsApp Cloud API, configured as the tenant's WhatsApp provider."""
    with WhatsAppServer() as server:
        body = {
            "kind": "whatsapp_cloud",
            "settings": {
                "phone_number_id": server.phone_number_id,
                "base_url": server.base_url,
                "callback_base_url": PUBLIC_BASE,
            },
            "secrets": {
                "access_token": server.access_token,
                "app_secret": server.app_secret,
                "verify_token": VERIFY_TOKEN,
            },
        }
        response = await client.put(f"{API}/communications/providers/whatsapp", json=body)
        assert response.status_code == 200, response.text
        yield server


@pytest.fixture
async def app(settings: Settings) -> Litestar:
    """The application with the inbox (its routes mounted while ``communications_routes`` lacks them)."""
    built = create_app(settings, CheapHashing(), PerTestLoginThrottle(), *missing_providers())
    if communications_inbox.ThreadController not in COMMUNICATIONS_ROUTES:
        built.register(Router(API_PREFIX, route_handlers=communications_inbox.ROUTES))
    return built


class AllowSending(Provider):
    """Quiet hours would hold a reminder sent in a test run at night: not the question here."""

    policy = provide(AllowEverything, provides=SendPolicy, scope=Scope.APP, override=True)


@pytest.fixture
async def worker_container(settings: Settings, client: Client) -> AsyncIterator[AsyncContainer]:
    """The worker's container, with the real send policy (consent, quiet hours)."""
    container = make_container(settings, LibraryContextProvider(), *missing_providers())
    yield container
    await container.close()


@pytest.fixture
async def sending_container(settings: Settings, client: Client) -> AsyncIterator[AsyncContainer]:
    """The worker's container, sending whatever the hour (:class:`AllowSending`)."""
    container = make_container(settings, LibraryContextProvider(), *missing_providers(), AllowSending())
    yield container
    await container.close()


async def run_worker(settings: Settings, container: AsyncContainer) -> None:
    dispatcher = ContainerDispatcher(container, event_handlers={}, job_handlers=JOB_HANDLERS)
    await Worker(settings, container, dispatcher=dispatcher, periodic=()).run_until_idle()


async def dispatch(container: AsyncContainer, tenant_id: UUID) -> None:
    """The tenant's ``communications.dispatch`` job, run now. (The worker would, but the job's
    queueing key is not per tenant: another test's tenant's pending dispatch holds it.)"""
    context = RequestContext(tenant_id=TenantId(tenant_id), principal=SYSTEM)
    async with container(context={RequestContext: context}) as scope:
        await (await scope.get(DispatchMessages))({})


def twilio_url(tenant_id: UUID) -> str:
    return f"{PUBLIC_BASE}{API}/communications/webhooks/twilio/{tenant_id}/inbound"


def whatsapp_url(tenant_id: UUID) -> str:
    return f"{PUBLIC_BASE}{API}/communications/webhooks/whatsapp/{tenant_id}"


async def created(client: Client, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}{path}", json=payload)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def new_phone() -> str:
    return f"+447400{uuid4().int % 1_000_000:06d}"


async def new_patient(client: Client, phone: str) -> dict[str, Any]:
    body = {"name": {"given": ["Ada"], "family": "Lovelace"}, "mrn": f"MRN-{uuid4().hex[:10]}", "phone": phone}
    return await created(client, "/patients", body)


async def book(client: Client, patient_id: str) -> dict[str, Any]:
    doctor = await created(client, "/practitioners", {"first_name": "Grace", "last_name": f"Hopper{uuid4().hex[:4]}"})
    location = await created(client, "/locations", {"name": "Harley Street", "time_zone": "Europe/London"})
    starts_at = (datetime.now(UTC) + timedelta(days=3)).replace(hour=14, minute=30, second=0, microsecond=0)
    return await created(
        client,
        "/appointments",
        {
            "patient_id": patient_id,
            "practitioner_id": doctor["id"],
            "location_id": location["id"],
            "start_time": starts_at.isoformat(),
            "end_time": (starts_at + timedelta(minutes=20)).isoformat(),
        },
    )


async def send_reminder(
    client: Client, settings: Settings, container: AsyncContainer, patient_id: str, appointment_id: str
) -> dict[str, Any]:
    """A reminder of the appointment, sent now by the worker through the messages part."""
    message = await created(
        client,
        "/communications",
        {
            "channel": "sms",
            "patient_id": patient_id,
            "appointment_id": appointment_id,
            "category": "reminder",
            "message": "Reminder: your appointment is soon. Reply C to confirm or X to cancel.",
        },
    )
    await dispatch(container, UUID(message["tenant_id"]))
    sent = (await client.get(f"{API}/communications/{message['id']}")).json()
    assert (sent["status"], sent["provider"]) == ("sent", "twilio"), sent
    return dict(sent)


async def text_in(client: Client, twilio: TwilioServer, tenant_id: UUID, sender: str, body: str, **more: Any) -> None:
    response = await twilio.inbound(
        twilio_url(tenant_id), sender=sender, recipient=OUR_NUMBER, body=body, **more
    ).apost(client)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")


async def threads(client: Client, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/communications/threads", params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def thread(client: Client, thread_id: str) -> dict[str, Any]:
    response = await client.get(f"{API}/communications/threads/{thread_id}", params={"page_size": 100})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_signed_c_after_a_reminder_confirms_the_appointment_and_answers(
    client: Client, settings: Settings, tenant_id: UUID, twilio: TwilioServer, sending_container: AsyncContainer
) -> None:
    phone = new_phone()
    patient = await new_patient(client, phone)
    appointment = await book(client, patient["id"])
    reminder = await send_reminder(client, settings, sending_container, patient["id"], appointment["id"])

    await text_in(client, twilio, tenant_id, phone, "  c ")

    [found] = await threads(client, patient_id=patient["id"])
    assert (found["channel"], found["address"], found["unread_count"], found["status"]) == ("sms", phone, 0, "open")
    detail = await thread(client, found["id"])
    answer, inbound = detail["messages"]["items"]
    assert (inbound["direction"], inbound["status"], inbound["message"], inbound["reply_to_id"]) == (
        "inbound",
        "received",
        "  c ",
        reminder["id"],
    )
    assert (answer["direction"], answer["recipient"], answer["reply_to_id"]) == ("outbound", phone, inbound["id"])
    assert answer["message"].startswith("Thank you, your appointment on ")
    assert answer["message"].endswith(" is confirmed.")
    still = (await client.get(f"{API}/appointments/{appointment['id']}")).json()
    assert still["status"] == "booked"


async def test_an_x_after_a_reminder_cancels_the_appointment_for_the_patient(
    client: Client, settings: Settings, tenant_id: UUID, twilio: TwilioServer, sending_container: AsyncContainer
) -> None:
    phone = new_phone()
    patient = await new_patient(client, phone)
    appointment = await book(client, patient["id"])
    await send_reminder(client, settings, sending_container, patient["id"], appointment["id"])

    await text_in(client, twilio, tenant_id, phone, "X")
    cancelled = (await client.get(f"{API}/appointments/{appointment['id']}")).json()
    assert (cancelled["status"], cancelled["cancellation_reason"]) == ("cancelled", "pat")
    await text_in(client, twilio, tenant_id, phone, "x")  # again: nothing changes, a polite answer
    [found] = await threads(client, patient_id=patient["id"])
    answers = [
        m["message"] for m in (await thread(client, found["id"]))["messages"]["items"] if m["direction"] == "outbound"
    ]
    assert answers[1].endswith(" is cancelled. Call us to rebook.")
    assert answers[0].endswith(" was already cancelled. Call us to rebook.")


async def test_stop_opts_out_answers_once_and_blocks_the_next_message(
    client: Client, settings: Settings, tenant_id: UUID, twilio: TwilioServer, worker_container: AsyncContainer
) -> None:
    phone = new_phone()
    patient = await new_patient(client, phone)
    await text_in(client, twilio, tenant_id, phone, "Stop")
    await text_in(client, twilio, tenant_id, phone, "STOP")
    [found] = await threads(client, patient_id=patient["id"])
    outbound = [m for m in (await thread(client, found["id"]))["messages"]["items"] if m["direction"] == "outbound"]
    assert len(outbound) == 1
    assert "START" in outbound[0]["message"]

    after = await created(client, "/communications", {"channel": "sms", "patient_id": patient["id"], "message": "Hi"})
    await dispatch(worker_container, tenant_id)
    blocked = (await client.get(f"{API}/communications/{after['id']}")).json()
    assert (blocked["status"], blocked["status_reason"]) == ("blocked", "opted_out:sms")
    confirmation = (await client.get(f"{API}/communications/{outbound[0]['id']}")).json()
    assert confirmation["status"] in {"sent", "delivered"}, confirmation  # the one confirmation went


async def test_a_tampered_or_misdirected_webhook_is_refused(
    client: Client, other_tenant_client: Client, tenant_id: UUID, twilio: TwilioServer
) -> None:
    phone = new_phone()
    await new_patient(client, phone)
    signed = twilio.inbound(twilio_url(tenant_id), sender=phone, recipient=OUR_NUMBER, body="C")
    tampered = signed.content.replace(b"Body=C", b"Body=X")
    path = f"{API}/communications/webhooks/twilio/{tenant_id}/inbound"
    assert (await client.post(path, headers=signed.headers, content=tampered)).status_code == 403
    unsigned = {k: v for k, v in signed.headers.items() if k != "X-Twilio-Signature"}
    assert (await client.post(path, headers=unsigned, content=signed.content)).status_code == 403
    other = f"{API}/communications/webhooks/twilio/{uuid4()}/inbound"  # signed for another tenant's URL
    refused = await client.post(other, headers=signed.headers, content=signed.content)
    assert (refused.status_code, refused.json()["code"]) == (403, "communications.inbound_signature_invalid")
    assert await threads(client) == []


async def test_an_unknown_sender_lands_unmatched_and_can_be_linked(
    client: Client, tenant_id: UUID, twilio: TwilioServer
) -> None:
    stranger = new_phone()
    await text_in(client, twilio, tenant_id, stranger, "Hello, is this the clinic?")
    [unmatched] = await threads(client, unmatched="true")
    assert (unmatched["patient_id"], unmatched["address"], unmatched["unread_count"]) == (None, stranger, 1)
    patient = await new_patient(client, new_phone())

    linked = await client.post(
        f"{API}/communications/threads/{unmatched['id']}/link", json={"patient_id": patient["id"]}
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["patient_id"] == patient["id"]
    assert await threads(client, unmatched="true") == []
    [mine] = await threads(client, patient_id=patient["id"])
    [message] = (await thread(client, mine["id"]))["messages"]["items"]
    assert message["message"] == "Hello, is this the clinic?"
    again = await client.post(f"{API}/communications/threads/{mine['id']}/link", json={"patient_id": patient["id"]})
    assert again.status_code == 409
    nobody = await client.post(f"{API}/communications/threads/{mine['id']}/link", json={"patient_id": str(uuid4())})
    assert nobody.status_code == 404


async def test_whatsapp_verification_and_a_signed_inbound_message(
    client: Client, tenant_id: UUID, whatsapp: WhatsAppServer
) -> None:
    path = f"{API}/communications/webhooks/whatsapp/{tenant_id}"
    challenge = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    answered = await client.get(path, params=challenge)
    assert (answered.status_code, answered.text) == (200, "1158201444")
    assert (await client.get(path, params={**challenge, "hub.verify_token": "wrong"})).status_code == 403

    phone = new_phone()
    patient = await new_patient(client, phone)
    response = await whatsapp.inbound_webhook(whatsapp_url(tenant_id), sender=phone, body="Can I bring my son?").apost(
        client
    )
    assert response.status_code == 200, response.text
    [found] = await threads(client, patient_id=patient["id"], channel="whatsapp")
    assert found["unread_count"] == 1
    bad = whatsapp.inbound_webhook(whatsapp_url(tenant_id), sender=phone, body="x")
    assert (await client.post(path, headers=bad.headers, content=bad.content + b" ")).status_code == 403


async def test_the_same_provider_message_twice_is_stored_once(
    client: Client, tenant_id: UUID, twilio: TwilioServer
) -> None:
    phone = new_phone()
    patient = await new_patient(client, phone)
    for _ in range(2):
        await text_in(client, twilio, tenant_id, phone, "Running late", sid="SM" + "1" * 32)
    [found] = await threads(client, patient_id=patient["id"])
    assert found["unread_count"] == 1
    assert (await thread(client, found["id"]))["messages"]["total"] == 1


async def test_unread_counts_assignment_status_and_replies(
    client: Client, tenant_id: UUID, twilio: TwilioServer
) -> None:
    phone = new_phone()
    patient = await new_patient(client, phone)
    await text_in(client, twilio, tenant_id, phone, "Question one")
    await text_in(client, twilio, tenant_id, phone, "Question two")
    [found] = await threads(client, unread="true")
    assert found["unread_count"] == 2
    me = (await client.get(f"{API}/auth/me")).json()["id"]

    updated = await client.patch(
        f"{API}/communications/threads/{found['id']}", json={"assigned_to": me, "status": "closed"}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["assigned_to"], updated.json()["status"]) == (me, "closed")
    assert [t["id"] for t in await threads(client, assigned_to=me)] == [found["id"]]
    read = await client.post(f"{API}/communications/threads/{found['id']}/read")
    assert read.json()["unread_count"] == 0
    assert await threads(client, unread="true") == []
    inbound = list((await thread(client, found["id"]))["messages"]["items"])
    assert {m["status"] for m in inbound} == {"read"}

    reply = await client.post(f"{API}/communications/threads/{found['id']}/reply", json={"message": "Yes, come in"})
    assert reply.status_code == 201, reply.text
    queued = (await client.get(f"{API}/communications/{reply.json()['id']}")).json()
    assert (queued["recipient"], queued["patient_id"], queued["channel"]) == (phone, patient["id"], "sms")
    neither = await client.post(f"{API}/communications/threads/{found['id']}/reply", json={})
    assert neither.status_code == 422

    await text_in(client, twilio, tenant_id, phone, "One more thing")  # reopens the closed thread
    [again] = await threads(client, patient_id=patient["id"])
    assert (again["status"], again["unread_count"], again["assigned_to"]) == ("open", 1, me)


async def test_threads_are_the_tenants_own(
    client: Client, other_tenant_client: Client, tenant_id: UUID, twilio: TwilioServer
) -> None:
    phone = new_phone()
    await new_patient(client, phone)
    await text_in(client, twilio, tenant_id, phone, "Private question")
    [found] = await threads(client)
    assert (await other_tenant_client.get(f"{API}/communications/threads/{found['id']}")).status_code == 404
    listed = await other_tenant_client.get(f"{API}/communications/threads")
    assert listed.json()["items"] == []
    read = await other_tenant_client.post(f"{API}/communications/threads/{found['id']}/read")
    assert read.status_code == 404


async def test_control_characters_in_an_sms_are_dropped_not_a_server_error(
    client: Client, tenant_id: UUID, twilio: TwilioServer
) -> None:
    phone = new_phone()
    patient = await new_patient(client, phone)
    await text_in(client, twilio, tenant_id, phone, "Running\x00 late\x1b")
    [found] = await threads(client, patient_id=patient["id"])
    [message] = (await thread(client, found["id"]))["messages"]["items"]
    assert message["message"] == "Running late"
