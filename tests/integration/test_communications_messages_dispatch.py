"""Sending, effectively once, on SQLite and PostgreSQL: the ``communications.dispatch`` job run
as the worker runs it (a scope of the tenant's, system principal) through the local sink and
through the providers part's Twilio adapter to the loopback Twilio server; retries, permanent
failures, ``Retry-After``; a crash between the provider's acceptance and our commit; signed
status callbacks (and tampered ones, 403)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from dishka import Provider, Scope, provide

from prm.application.communications.messages_dispatch import DispatchMessages, RecoverMessages
from prm.application.communications.messages_ports import DispatchSettings
from prm.application.shared.ports import Clock
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.integration.messages_support import API, Client, a_message, a_patient
from tests.providers.fixtures import twilio_server
from tests.providers.twilio import TwilioServer

__all__ = ["twilio_server"]

CALLBACK_BASE = "http://testserver.local"
LEASE = timedelta(minutes=2)


class MovableClock(Clock):
    """The real time, moved forward by ``offset`` (messages are created by the app's own clock)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Overrides(Provider):
    def __init__(self, clock: MovableClock) -> None:
        super().__init__()
        self._clock = clock

    @provide(scope=Scope.APP, override=True)
    def clock(self) -> Clock:
        return self._clock

    @provide(scope=Scope.APP, override=True)
    def dispatch_settings(self) -> DispatchSettings:
        return DispatchSettings(batch_size=50, concurrency=8, lease=LEASE)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def prm(settings: Settings, tenant_id: UUID, client: Client, clock: MovableClock) -> AsyncIterator[Prm]:
    async with Prm.open(settings, tenant_id=tenant_id, providers=(Overrides(clock),)) as opened:
        yield opened


async def dispatch(prm: Prm) -> None:
    async with prm.unit() as scope:
        await (await scope.get(DispatchMessages))({})


async def use_twilio(client: Client, server: TwilioServer) -> None:
    body = {
        "kind": "twilio",
        "settings": {
            "account_sid": server.account_sid,
            "from_number": "+15005550006",
            "base_url": server.base_url,
            "callback_base_url": CALLBACK_BASE,
        },
        "secrets": {"auth_token": server.auth_token},
    }
    response = await client.put(f"{API}/providers/sms", json=body)
    assert response.status_code == 200, response.text


async def fetched(client: Client, message: dict[str, Any]) -> dict[str, Any]:
    return dict((await client.get(f"{API}/{message['id']}")).json())


async def test_the_local_sink_takes_it_and_reports_it_delivered(client: Client, prm: Prm) -> None:
    patient = await a_patient(client)
    message = await a_message(client, patient["id"])
    await dispatch(prm)
    await dispatch(prm)  # again: nothing more to send
    sent = await fetched(client, message)
    assert (sent["status"], sent["provider"], sent["attempts"]) == ("delivered", "local", 1)
    assert sent["sent_at"] is not None
    assert sent["delivered_at"] is not None


async def test_through_twilio_a_503_is_retried_and_sent_once(
    client: Client, prm: Prm, clock: MovableClock, twilio_server: TwilioServer
) -> None:
    await use_twilio(client, twilio_server)
    patient = await a_patient(client)
    message = await a_message(client, patient["id"])
    twilio_server.fail(1, status=503)
    await dispatch(prm)
    waiting = await fetched(client, message)
    assert (waiting["status"], waiting["attempts"]) == ("scheduled", 1)
    assert twilio_server.messages == []
    clock.offset += timedelta(seconds=31)  # past the first backoff (at most 30 s)
    await dispatch(prm)
    sent = await fetched(client, message)
    (accepted,) = twilio_server.messages
    assert (sent["status"], sent["provider"], sent["provider_message_id"], sent["attempts"]) == (
        "sent",
        "twilio",
        accepted.sid,
        2,
    )
    assert (accepted.to, accepted.body) == ("+16174923500", "Your appointment is tomorrow")


async def test_through_twilio_a_refusal_fails_at_once_and_a_429_waits_its_retry_after(
    client: Client, prm: Prm, clock: MovableClock, twilio_server: TwilioServer
) -> None:
    await use_twilio(client, twilio_server)
    twilio_server.unsubscribed.add("+16174923501")
    refused = await a_message(client, None, recipient="+16174923501")
    await dispatch(prm)
    failed = await fetched(client, refused)
    assert (failed["status"], failed["error_code"], failed["attempts"]) == ("failed", "21610", 1)
    assert "+1617" not in (failed["error_message"] or "")

    throttled = await a_message(client, None, recipient="+16174923502")
    twilio_server.throttle(1, retry_after=7)
    await dispatch(prm)
    assert (await fetched(client, throttled))["status"] == "scheduled"
    clock.offset += timedelta(seconds=6)
    await dispatch(prm)
    assert (await fetched(client, throttled))["status"] == "scheduled"  # not before Retry-After
    clock.offset += timedelta(seconds=1)
    await dispatch(prm)
    assert (await fetched(client, throttled))["status"] == "sent"
    assert len(twilio_server.messages) == 1


async def test_a_crash_between_the_providers_acceptance_and_our_commit_sends_exactly_once(
    client: Client, prm: Prm, clock: MovableClock, twilio_server: TwilioServer
) -> None:
    await use_twilio(client, twilio_server)
    accepted = await a_message(client, None, recipient="+16174923503", message="First of two")
    never_sent = await a_message(client, None, recipient="+16174923504", message="Second of two")
    async with prm.unit() as scope:  # tx 1, the calls, and no tx 2: the worker dies
        job = await scope.get(DispatchMessages)
        claimed, _ = await job.claim()
        await job.send([c for c in claimed if str(c.message.id) == accepted["id"]])
    assert len(twilio_server.messages) == 1
    assert (await fetched(client, accepted))["status"] == "sending"

    async with prm.unit() as scope:
        await (await scope.get(RecoverMessages))({})  # within the lease: left alone
    assert (await fetched(client, accepted))["status"] == "sending"
    clock.offset += LEASE
    async with prm.unit() as scope:
        await (await scope.get(RecoverMessages))({})
    recovered = await fetched(client, accepted)
    assert (recovered["status"], recovered["provider_message_id"]) == ("sent", twilio_server.messages[0].sid)
    assert (await fetched(client, never_sent))["status"] == "queued"
    await dispatch(prm)
    await dispatch(prm)
    assert sorted(m.to for m in twilio_server.messages) == ["+16174923503", "+16174923504"]  # each once
    assert (await fetched(client, never_sent))["status"] == "sent"


async def test_a_signed_status_callback_moves_the_message_and_a_tampered_one_is_403(
    client: Client, anonymous_client: Client, prm: Prm, twilio_server: TwilioServer
) -> None:
    await use_twilio(client, twilio_server)
    message = await a_message(client, None, recipient="+16174923505")
    await dispatch(prm)
    (accepted,) = twilio_server.messages
    assert accepted.status_callback is not None
    assert accepted.status_callback.endswith(f"/status?message_id={message['id']}")

    delivered = twilio_server.status_callback(accepted.sid, "delivered")
    tampered = twilio_server.status_callback(accepted.sid, "read")
    forged = type(tampered)(tampered.url, tampered.headers, tampered.content.replace(b"read", b"failed"))
    assert (await forged.apost(anonymous_client)).status_code == 403
    assert (await delivered.apost(anonymous_client)).status_code == 200
    assert (await delivered.apost(anonymous_client)).status_code == 200  # twice: nothing more
    late_sent = twilio_server.status_callback(accepted.sid, "sent")
    assert (await late_sent.apost(anonymous_client)).status_code == 200
    now = await fetched(client, message)
    assert (now["status"], now["delivered_at"] is not None) == ("delivered", True)
    unknown = twilio_server.signed(
        f"{CALLBACK_BASE}/api/v1/prm/communications/webhooks/twilio/{message['tenant_id']}/status",
        {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"},
    )
    assert (await unknown.apost(anonymous_client)).status_code == 200  # accepted and ignored
