"""The httpx sender and the destination policy against a real receiver on loopback (no database)."""

import ipaddress
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from prm.adapters.webhooks.destinations import IpAddress, NetworkDestinationPolicy
from prm.adapters.webhooks.sender import HttpxWebhookSender
from prm.application.webhooks.ports import OutgoingMessage
from prm.domain.webhooks.errors import UnsafeDestination
from prm.domain.webhooks.model import new_secret
from prm.settings import Settings
from tests.unit.webhooks.receiver import webhook_receiver

BODY = {"type": "appointment.booked", "timestamp": "2026-03-10T09:30:00Z", "data": {"id": "e1", "payload": {}}}


def policy(env: str = "test", allow_private: bool | None = None) -> NetworkDestinationPolicy:
    return NetworkDestinationPolicy(Settings(env=env, webhook_allow_private=allow_private))  # type: ignore[arg-type]


def message(url: str, *secrets: str) -> OutgoingMessage:
    return OutgoingMessage(
        url=url, message_id="msg_1", timestamp=datetime.now(UTC), body=BODY, secrets=secrets or (new_secret(),)
    )


async def test_a_signed_post_verifies_with_every_secret_it_was_signed_with() -> None:
    current, previous = new_secret(), new_secret()
    sender = HttpxWebhookSender(policy())
    with webhook_receiver() as receiver:
        receiver.answer(204)
        outcome = await sender.send(message(receiver.url, current, previous))
    await sender.close()
    assert (outcome.status_code, outcome.error, outcome.succeeded) == (204, None, True)
    assert 0 <= outcome.duration_ms < 5000
    (got,) = receiver.received
    assert got.verify(current) == BODY
    assert got.verify(previous) == BODY
    assert got.headers["webhook-id"] == "msg_1"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("PRM-Webhooks/")
    with pytest.raises(Exception, match="signature"):
        got.verify(new_secret())


async def test_an_error_answer_is_a_failed_outcome_with_an_excerpt_and_redirects_are_not_followed() -> None:
    sender = HttpxWebhookSender(policy())
    with webhook_receiver() as receiver, webhook_receiver() as elsewhere:
        receiver.answer(500, 302)
        receiver.redirect_to = elsewhere.url
        failed = await sender.send(message(receiver.url))
        redirected = await sender.send(message(receiver.url))
    await sender.close()
    assert (failed.status_code, failed.error, failed.response_excerpt) == (500, "answered HTTP 500", '{"ok": false}')
    assert (redirected.status_code, redirected.succeeded) == (302, False)
    assert elsewhere.received == []


async def test_a_refused_connection_is_a_failed_outcome() -> None:
    sender = HttpxWebhookSender(policy())
    with webhook_receiver() as receiver:
        url = receiver.url
    outcome = await sender.send(message(url))
    await sender.close()
    assert outcome.status_code is None
    assert outcome.error is not None
    assert outcome.error.startswith("ConnectError")


async def test_a_private_destination_fails_the_attempt_without_connecting() -> None:
    sender = HttpxWebhookSender(policy(allow_private=False))
    with webhook_receiver() as receiver:
        outcome = await sender.send(message(receiver.url))
        by_name = await sender.send(message(receiver.url.replace("127.0.0.1", "localhost")))
    await sender.close()
    assert receiver.received == []
    assert outcome.status_code is None
    assert outcome.error is not None
    assert outcome.error.startswith("not sent: url must not lead to a private")
    assert by_name.error == outcome.error


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://localhost:8443/x",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://240.0.0.1/",
        "https://100.64.0.1/",
    ],
)
async def test_private_and_special_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(UnsafeDestination) as caught:
        await policy(allow_private=False).check(url)
    assert caught.value.field == "url"
    await policy(allow_private=True).check(url)


async def test_production_takes_https_to_public_addresses_only_by_default() -> None:
    production = policy("production")
    with pytest.raises(UnsafeDestination, match="https"):
        await production.check("http://93.184.216.34/hook")
    with pytest.raises(UnsafeDestination, match="private"):
        await production.check("https://127.0.0.1/")
    await production.check("https://93.184.216.34/hook")
    with pytest.raises(UnsafeDestination, match="https"):
        await policy("production", allow_private=True).check("http://127.0.0.1/")
    await policy("development").check("http://127.0.0.1/")


class _ResolvesPublicly(NetworkDestinationPolicy):
    async def _resolve(self, host: str, port: int) -> list[IpAddress]:
        return [ipaddress.ip_address("93.184.216.34")]


async def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    sender = HttpxWebhookSender(_ResolvesPublicly(Settings(env="production")), transport=httpx.MockTransport(answer))
    outcome = await sender.send(message("https://hooks.example.org:8443/prm?x=1"))
    await sender.close()
    assert outcome.succeeded
    (request,) = seen
    assert str(request.url) == "https://93.184.216.34:8443/prm?x=1"
    assert request.headers["host"] == "hooks.example.org:8443"
    extensions: dict[str, Any] = request.extensions
    assert extensions["sni_hostname"] == "hooks.example.org"
