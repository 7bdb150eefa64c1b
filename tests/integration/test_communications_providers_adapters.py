"""Each provider adapter against its loopback server (no database): Twilio SMS and WhatsApp Cloud
over real HTTP, SMTP against aiosmtpd, and the local sink."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest

from prm.adapters.communications.providers.callbacks import (
    parse_twilio_inbound,
    parse_twilio_status,
    parse_whatsapp_webhook,
    query_of,
    verify_meta_signature,
    verify_twilio_signature,
)
from prm.adapters.communications.providers.http_errors import provider_http_client
from prm.adapters.communications.providers.local_sink import LocalSink, LocalSinkProvider
from prm.adapters.communications.providers.smtp_email import SmtpAccount, SmtpEmail
from prm.adapters.communications.providers.twilio_sms import TwilioAccount, TwilioSms
from prm.adapters.communications.providers.whatsapp_cloud import WhatsAppAccount, WhatsAppCloud
from prm.application.communications.contracts import (
    OutgoingMessage,
    PermanentProviderError,
    ProviderTemplate,
    TransientProviderError,
)
from prm.domain.communications.channels import Channel, MessageStatus
from prm.domain.communications.providers import SmtpSecurity
from tests.fakes import FixedClock
from tests.providers.fixtures import smtp_server, smtp_server_with_auth, twilio_server, whatsapp_server
from tests.providers.smtp import SmtpServer
from tests.providers.twilio import TwilioServer
from tests.providers.whatsapp import WhatsAppServer
from tests.unit.webhooks.receiver import webhook_receiver

__all__ = ["smtp_server", "smtp_server_with_auth", "twilio_server", "whatsapp_server"]

TENANT = UUID("0190f5a4-0000-7000-8000-000000000001")
PUBLIC = "https://prm.example.org"
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def message(
    channel: Channel = Channel.SMS, to: str = "+447700900123", body: str = "See you at 9:30", **kw: object
) -> OutgoingMessage:
    return OutgoingMessage(
        message_id=uuid4(),
        tenant_id=TENANT,
        channel=channel,
        to=to,
        subject=kw.pop("subject", None),  # type: ignore[arg-type]
        body=body,
        attempt=1,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with provider_http_client(httpx.Timeout(2.0)) as client:  # the transport PRM sends with
        yield client


def twilio(server: TwilioServer, client: httpx.AsyncClient, **kw: str | None) -> TwilioSms:
    account = TwilioAccount(
        account_sid=server.account_sid,
        auth_token=kw.pop("auth_token", None) or server.auth_token,
        from_number="+15005550006",
        base_url=server.base_url,
        callback_base_url=PUBLIC,
        **kw,
    )
    return TwilioSms(client, account)


# --------------------------------------------------------------------------- Twilio


async def test_twilio_sends_form_fields_with_basic_auth_and_a_status_callback(
    twilio_server: TwilioServer, http: httpx.AsyncClient
) -> None:
    outgoing = message()
    receipt = await twilio(twilio_server, http).send(outgoing)
    (sent,) = twilio_server.messages
    assert (receipt.provider, receipt.provider_message_id, receipt.status) == ("twilio", sent.sid, MessageStatus.SENT)
    assert (sent.to, sent.from_, sent.body) == ("+447700900123", "+15005550006", "See you at 9:30")
    assert sent.status_callback == (
        f"{PUBLIC}/api/v1/prm/communications/webhooks/twilio/{TENANT}/status?message_id={outgoing.message_id}"
    )
    callback = twilio_server.status_callback(sent.sid, "delivered")
    form = dict(httpx.QueryParams(callback.content.decode()))
    assert verify_twilio_signature(callback.url, form, callback.headers["X-Twilio-Signature"], twilio_server.auth_token)
    parsed = parse_twilio_status(form, query=query_of(callback.url), received_at=NOW)
    assert (parsed.message_id, parsed.status, parsed.provider_message_id) == (
        outgoing.message_id,
        MessageStatus.DELIVERED,
        sent.sid,
    )


async def test_twilio_without_a_callback_base_url_sends_no_status_callback(
    twilio_server: TwilioServer, http: httpx.AsyncClient
) -> None:
    account = TwilioAccount(
        account_sid=twilio_server.account_sid,
        auth_token=twilio_server.auth_token,
        messaging_service_sid="MG" + "0" * 32,
        base_url=twilio_server.base_url,
    )
    await TwilioSms(http, account).send(message())
    (sent,) = twilio_server.messages
    assert (sent.status_callback, sent.from_, sent.messaging_service_sid) == (None, None, "MG" + "0" * 32)


@pytest.mark.parametrize(
    ("to", "code"),
    [("07700 900123", "21211"), ("+447700900999", "21610")],
)
async def test_twilio_refusals_are_permanent_with_twilios_code_and_no_phone_in_the_reason(
    twilio_server: TwilioServer, http: httpx.AsyncClient, to: str, code: str
) -> None:
    twilio_server.unsubscribed.add("+447700900999")
    with pytest.raises(PermanentProviderError) as refused:
        await twilio(twilio_server, http).send(message(to=to))
    assert refused.value.code == code
    assert to not in refused.value.reason
    assert "900" not in refused.value.reason
    assert twilio_server.messages == []


async def test_twilio_bad_credentials_are_permanent(twilio_server: TwilioServer, http: httpx.AsyncClient) -> None:
    with pytest.raises(PermanentProviderError) as refused:
        await twilio(twilio_server, http, auth_token="wrong").send(message())
    assert (refused.value.code, refused.value.reason) == (
        "20003",
        "Twilio refused the account credentials (Twilio 20003)",
    )


async def test_twilio_429_is_transient_with_retry_after(twilio_server: TwilioServer, http: httpx.AsyncClient) -> None:
    twilio_server.throttle(1, retry_after=7)
    with pytest.raises(TransientProviderError) as throttled:
        await twilio(twilio_server, http).send(message())
    assert throttled.value.retry_after == timedelta(seconds=7)
    assert throttled.value.code == "20429"
    assert (await twilio(twilio_server, http).send(message())).status is MessageStatus.SENT


async def test_twilio_5xx_timeouts_and_refused_connections_are_transient(
    twilio_server: TwilioServer, http: httpx.AsyncClient
) -> None:
    provider = twilio(twilio_server, http)
    twilio_server.fail(1, status=503)
    with pytest.raises(TransientProviderError, match="HTTP 503"):
        await provider.send(message())
    twilio_server.delay(1, seconds=3)
    with pytest.raises(TransientProviderError, match="timeout"):
        await provider.send(message())
    twilio_server.refuse(1)
    with pytest.raises(TransientProviderError, match="connection error"):
        await provider.send(message())


async def test_twilio_lookup_finds_a_message_accepted_in_the_crash_window(
    twilio_server: TwilioServer, http: httpx.AsyncClient
) -> None:
    provider = twilio(twilio_server, http)
    outgoing = message(body="Reminder: your appointment is tomorrow")
    since = datetime.now(UTC)
    twilio_server.drop(1)
    with pytest.raises(TransientProviderError):
        await provider.send(outgoing)
    (accepted,) = twilio_server.messages
    found = await provider.lookup(outgoing, since=since)
    assert found is not None
    assert (found.provider_message_id, found.status) == (accepted.sid, MessageStatus.SENT)
    assert await provider.lookup(message(body="another body"), since=since) is None
    assert await provider.lookup(outgoing, since=since + timedelta(hours=1)) is None
    lookups = [r for r in twilio_server.requests if r.method == "GET"]
    assert lookups[0].query["To"] == "+447700900123"
    assert lookups[0].query["From"] == "+15005550006"


async def test_twilio_lookup_failures_are_transient(twilio_server: TwilioServer, http: httpx.AsyncClient) -> None:
    twilio_server.fail(1, status=500, applies_to="lookup")
    with pytest.raises(TransientProviderError, match="lookup failed"):
        await twilio(twilio_server, http).lookup(message(), since=NOW)


# --------------------------------------------------------------------------- WhatsApp


def whatsapp(server: WhatsAppServer, client: httpx.AsyncClient, token: str | None = None) -> WhatsAppCloud:
    account = WhatsAppAccount(
        phone_number_id=server.phone_number_id, access_token=token or server.access_token, base_url=server.base_url
    )
    return WhatsAppCloud(client, account)


async def test_whatsapp_sends_text_with_our_id_as_opaque_callback_data(
    whatsapp_server: WhatsAppServer, http: httpx.AsyncClient
) -> None:
    outgoing = message(Channel.WHATSAPP)
    receipt = await whatsapp(whatsapp_server, http).send(outgoing)
    (sent,) = whatsapp_server.messages
    assert (receipt.provider, receipt.provider_message_id, receipt.status) == (
        "whatsapp_cloud",
        sent.id,
        MessageStatus.SENT,
    )
    assert sent.document == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "447700900123",
        "biz_opaque_callback_data": str(outgoing.message_id),
        "type": "text",
        "text": {"preview_url": False, "body": "See you at 9:30"},
    }
    assert whatsapp_server.requests[0].path == f"/v21.0/{whatsapp_server.phone_number_id}/messages"
    webhook = whatsapp_server.status_webhook("https://prm.example.org/hook", sent.id, "read")
    assert verify_meta_signature(webhook.content, webhook.headers["X-Hub-Signature-256"], whatsapp_server.app_secret)
    (status,), inbound = parse_whatsapp_webhook(httpx.Response(200, content=webhook.content).json())
    assert (status.message_id, status.status, inbound) == (outgoing.message_id, MessageStatus.READ, [])
    assert await whatsapp(whatsapp_server, http).lookup(outgoing, since=NOW) is None


async def test_whatsapp_sends_a_template_with_its_body_parameters(
    whatsapp_server: WhatsAppServer, http: httpx.AsyncClient
) -> None:
    template = ProviderTemplate(name="appointment_reminder", language="en_GB", parameters=("Ana", "10 March 09:30"))
    await whatsapp(whatsapp_server, http).send(message(Channel.WHATSAPP, template=template))
    (sent,) = whatsapp_server.messages
    assert sent.document["type"] == "template"
    assert sent.document["template"] == {
        "name": "appointment_reminder",
        "language": {"code": "en_GB"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "10 March 09:30"}],
            }
        ],
    }


async def test_whatsapp_errors_map_by_graph_code(whatsapp_server: WhatsAppServer, http: httpx.AsyncClient) -> None:
    provider = whatsapp(whatsapp_server, http)
    whatsapp_server.rejected["447700900999"] = 131026
    with pytest.raises(PermanentProviderError) as undeliverable:
        await provider.send(message(Channel.WHATSAPP, to="+447700900999"))
    assert undeliverable.value.code == "131026"
    assert "900999" not in undeliverable.value.reason
    with pytest.raises(PermanentProviderError) as token:
        await whatsapp(whatsapp_server, http, token="expired").send(message(Channel.WHATSAPP))
    assert token.value.code == "190"
    whatsapp_server.throttle(1, retry_after=30)
    with pytest.raises(TransientProviderError) as throttled:
        await provider.send(message(Channel.WHATSAPP))
    assert (throttled.value.code, throttled.value.retry_after) == ("130429", timedelta(seconds=30))
    whatsapp_server.fail(1, status=500)
    with pytest.raises(TransientProviderError):
        await provider.send(message(Channel.WHATSAPP))
    whatsapp_server.delay(1, seconds=3)
    with pytest.raises(TransientProviderError, match="timeout"):
        await provider.send(message(Channel.WHATSAPP))
    whatsapp_server.drop(1)
    with pytest.raises(TransientProviderError, match="connection error"):
        await provider.send(message(Channel.WHATSAPP))
    assert len(whatsapp_server.messages) == 1  # the dropped one was accepted
    for _ in range(50):  # and the slow one is, once the server is done waiting
        if len(whatsapp_server.messages) == 2:
            break
        await asyncio.sleep(0.1)
    assert len(whatsapp_server.messages) == 2


# --------------------------------------------------------------------------- SMTP


def smtp(server: SmtpServer, **kw: object) -> SmtpEmail:
    account = SmtpAccount(
        host=server.host,
        port=server.port,
        security=SmtpSecurity.NONE,
        from_address="clinic@example.org",
        **kw,  # type: ignore[arg-type]
    )
    return SmtpEmail(account, FixedClock(NOW))


async def test_smtp_sends_with_a_message_id_that_is_the_same_on_every_attempt(smtp_server: SmtpServer) -> None:
    outgoing = message(Channel.EMAIL, to="ana@example.com", subject="Your appointment", body="See you at 9:30")
    provider = smtp(smtp_server)
    first = await provider.send(outgoing)
    again = await provider.send(outgoing)
    assert first.provider_message_id == again.provider_message_id == f"{outgoing.message_id}@example.org"
    assert first.status is MessageStatus.SENT
    one, two = smtp_server.received
    assert (one.mail_from, one.rcpt_tos) == ("clinic@example.org", ("ana@example.com",))
    email = one.message
    assert (email["From"], email["To"], email["Subject"]) == (
        "clinic@example.org",
        "ana@example.com",
        "Your appointment",
    )
    assert email["Message-ID"] == two.message["Message-ID"] == f"<{outgoing.message_id}@example.org>"
    assert email["Date"] == "Tue, 10 Mar 2026 09:30:00 +0000"
    assert email.get_content().strip() == "See you at 9:30"
    assert await provider.lookup(outgoing, since=NOW) is None


async def test_smtp_authenticates_and_bad_credentials_are_permanent(smtp_server_with_auth: SmtpServer) -> None:
    outgoing = message(Channel.EMAIL, to="ana@example.com", subject="Hi")
    await smtp(smtp_server_with_auth, username="prm", password="loopback-password").send(outgoing)
    assert smtp_server_with_auth.received[0].authenticated_as == "prm"
    with pytest.raises(PermanentProviderError) as refused:
        await smtp(smtp_server_with_auth, username="prm", password="wrong").send(outgoing)
    assert refused.value.code == "535"


async def test_smtp_4xx_is_transient_5xx_permanent_and_no_server_transient(smtp_server: SmtpServer) -> None:
    provider = smtp(smtp_server)
    outgoing = message(Channel.EMAIL, to="ana@example.com", subject="Hi")
    smtp_server.reply_next("451 4.3.0 Try again later")
    with pytest.raises(TransientProviderError) as later:
        await provider.send(outgoing)
    assert later.value.code == "451"
    smtp_server.reply_next("550 5.1.1 No such user")
    with pytest.raises(PermanentProviderError) as never:
        await provider.send(outgoing)
    assert never.value.code == "550"
    assert "ana@" not in never.value.reason
    port = smtp_server.port
    smtp_server.stop()
    with pytest.raises(TransientProviderError, match="connection error"):
        await SmtpEmail(
            SmtpAccount(host="127.0.0.1", port=port, security=SmtpSecurity.NONE, from_address="c@example.org"),
            FixedClock(NOW),
        ).send(outgoing)


# --------------------------------------------------------------------------- local sink


async def test_the_local_sink_records_delivers_and_looks_up() -> None:
    sink = LocalSink(capacity=2)
    provider = LocalSinkProvider(sink)
    first, second, third = message(), message(), message(Channel.EMAIL, to="a@example.org")
    receipt = await provider.send(first)
    assert (receipt.provider, receipt.provider_message_id, receipt.status) == (
        "local",
        f"local-{first.message_id}",
        MessageStatus.DELIVERED,
    )
    await provider.send(second)
    await provider.send(third)
    assert [m.message for m in sink.messages()] == [second, third]  # bounded: the oldest went
    assert await provider.lookup(first, since=NOW) is None
    found = await provider.lookup(third, since=NOW)
    assert found is not None
    assert found.provider_message_id == f"local-{third.message_id}"


def test_the_loopback_servers_post_signed_callbacks_to_a_real_url(
    twilio_server: TwilioServer, whatsapp_server: WhatsAppServer
) -> None:
    with webhook_receiver() as receiver:
        assert twilio_server.inbound(receiver.url, sender="+447700900123", recipient="+15005550006", body="C").post()
        assert whatsapp_server.inbound_webhook(receiver.url, sender="+447700900123", body="YES").post()
    sms, whatsapp = receiver.received
    form = dict(httpx.QueryParams(sms.body.decode()))
    assert verify_twilio_signature(receiver.url, form, sms.headers["x-twilio-signature"], twilio_server.auth_token)
    assert parse_twilio_inbound(form, received_at=NOW).body == "C"
    assert verify_meta_signature(whatsapp.body, whatsapp.headers["x-hub-signature-256"], whatsapp_server.app_secret)
    _, (inbound,) = parse_whatsapp_webhook(httpx.Response(200, content=whatsapp.body).json())
    assert (inbound.sender, inbound.body) == ("+447700900123", "YES")
