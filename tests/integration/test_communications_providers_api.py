"""The provider configuration API end to end on SQLite and PostgreSQL: secrets are write-only,
validation names the field, permissions, tenant isolation, and the directory and credentials
look-up built from what was configured (sending through the loopback Twilio)."""

from typing import Any, TypeAlias
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from prm.application.communications.contracts import OutgoingMessage, ProviderDirectory
from prm.application.communications.providers_ports import ProviderCredentialsLookup
from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.communications.channels import Channel, MessageStatus
from prm.domain.shared.ids import TenantId
from prm.entrypoints.library import LibraryContextProvider
from prm.ioc import make_container
from prm.settings import Settings
from tests.providers.fixtures import twilio_server
from tests.providers.twilio import TwilioServer

__all__ = ["twilio_server"]

API = "/api/v1/prm/communications/providers"
Client: TypeAlias = AsyncTestClient[Litestar]
SID = "AC" + "a" * 32
TOKEN = "twilio-auth-token-very-secret"


def twilio_body(**settings: Any) -> dict[str, Any]:
    return {
        "kind": "twilio",
        "settings": {"account_sid": SID, "from_number": "+15005550006", **settings},
        "secrets": {"auth_token": TOKEN},
    }


async def test_a_new_tenant_uses_the_local_sink_everywhere(client: Client) -> None:
    listed = await client.get(API)
    assert listed.status_code == 200, listed.text
    assert [(p["channel"], p["kind"], p["source"]) for p in listed.json()["providers"]] == [
        ("sms", "local", "default"),
        ("whatsapp", "local", "default"),
        ("email", "local", "default"),
    ]
    assert (await client.delete(f"{API}/sms")).status_code == 404


async def test_secrets_are_write_only_and_kept_when_left_out(client: Client) -> None:
    put = await client.put(f"{API}/sms", json=twilio_body(callback_base_url="https://prm.example.org/"))
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["kind"], body["source"], body["version"]) == ("twilio", "tenant", 1)
    assert body["settings"] == {
        "account_sid": SID,
        "from_number": "+15005550006",
        "callback_base_url": "https://prm.example.org",
    }
    assert body["secrets"] == {"auth_token": {"configured": True}}
    again = await client.put(f"{API}/sms", json={**twilio_body(), "secrets": {}})
    assert again.status_code == 200, again.text
    assert (again.json()["version"], again.json()["secrets"]) == (2, {"auth_token": {"configured": True}})
    for response in (put, again, await client.get(f"{API}/sms"), await client.get(API)):
        assert TOKEN not in response.text
    cleared = await client.put(f"{API}/sms", json={**twilio_body(), "secrets": {"auth_token": None}})
    assert (cleared.status_code, cleared.json()["errors"][0]["loc"]) == (422, ["body", "secrets", "auth_token"])


async def test_whatsapp_and_smtp_configurations(client: Client) -> None:
    whatsapp = {
        "kind": "whatsapp_cloud",
        "settings": {"phone_number_id": "106540352242922"},
        "secrets": {"access_token": "EAAG-token", "app_secret": "app-secret"},
    }
    response = await client.put(f"{API}/whatsapp", json=whatsapp)
    assert response.status_code == 200, response.text
    assert response.json()["settings"] == {"phone_number_id": "106540352242922", "api_version": "v21.0"}
    assert response.json()["secrets"] == {
        "access_token": {"configured": True},
        "app_secret": {"configured": True},
        "verify_token": {"configured": False},
    }
    smtp = {
        "kind": "smtp",
        "settings": {"smtp_host": "smtp.example.org", "smtp_username": "prm", "from_address": "clinic@example.org"},
        "secrets": {"smtp_password": "pw"},
    }
    response = await client.put(f"{API}/email", json=smtp)
    assert response.status_code == 200, response.text
    assert response.json()["settings"]["smtp_port"] == 587
    assert response.json()["settings"]["smtp_security"] == "starttls"
    assert (await client.delete(f"{API}/email")).status_code == 204
    assert (await client.get(f"{API}/email")).json()["source"] == "default"


@pytest.mark.parametrize(
    ("channel", "body", "loc"),
    [
        ("sms", {"kind": "smtp"}, ["body", "kind"]),
        ("sms", twilio_body(account_sid="AC123"), ["body", "settings", "account_sid"]),
        ("sms", twilio_body(from_number="07700900123"), ["body", "settings", "from_number"]),
        ("sms", twilio_body(phone_number_id="1"), ["body", "settings", "phone_number_id"]),
        ("sms", {**twilio_body(), "secrets": {}}, ["body", "secrets", "auth_token"]),
        (
            "sms",
            {**twilio_body(), "secrets": {"access_token": "x", "auth_token": "y"}},
            ["body", "secrets", "access_token"],
        ),
        ("sms", twilio_body(base_url="ftp://example.org"), ["body", "settings", "base_url"]),
        ("sms", {**twilio_body(), "password": "x"}, ["body", "password"]),
        (
            "email",
            {"kind": "smtp", "settings": {"smtp_host": "h", "from_address": "nope"}},
            ["body", "settings", "from_address"],
        ),
        (
            "whatsapp",
            {"kind": "whatsapp_cloud", "settings": {"phone_number_id": "1"}},
            ["body", "secrets", "access_token"],
        ),
    ],
)
async def test_bad_configurations_are_422_naming_the_field(
    client: Client, channel: str, body: dict[str, Any], loc: list[Any]
) -> None:
    response = await client.put(f"{API}/{channel}", json=body)
    assert response.status_code in (400, 422), response.text
    problem = response.json()
    if "errors" in problem:
        assert problem["errors"][0]["loc"] == loc
    else:
        assert loc[-1] in problem["detail"]
    assert TOKEN not in response.text


async def test_an_unknown_channel_is_refused(client: Client) -> None:
    response = await client.get(f"{API}/fax")
    assert response.status_code in (400, 404, 422)


async def test_providers_need_the_settings_permissions(client: Client, client_as: Any, api_key_client: Any) -> None:
    front_desk = await client_as("front_desk")
    assert (await front_desk.get(API)).status_code == 403
    reader = await api_key_client("communication_settings:read")
    assert (await reader.get(f"{API}/sms")).status_code == 200
    assert (await reader.put(f"{API}/sms", json=twilio_body())).status_code == 403
    writer = await api_key_client("communication_settings:write")
    assert (await writer.put(f"{API}/sms", json=twilio_body())).status_code == 200


async def test_another_tenants_configuration_is_invisible(client: Client, other_tenant_client: Client) -> None:
    assert (await client.put(f"{API}/sms", json=twilio_body())).status_code == 200
    theirs = await other_tenant_client.get(f"{API}/sms")
    assert (theirs.json()["kind"], theirs.json()["source"]) == ("local", "default")
    assert (await other_tenant_client.delete(f"{API}/sms")).status_code == 404
    assert (await client.get(f"{API}/sms")).json()["kind"] == "twilio"


async def test_the_directory_sends_through_the_configured_provider_and_credentials_are_found(
    client: Client, settings: Settings, tenant_id: UUID, twilio_server: TwilioServer
) -> None:
    body = {
        "kind": "twilio",
        "settings": {
            "account_sid": twilio_server.account_sid,
            "from_number": "+15005550006",
            "base_url": twilio_server.base_url,
            "callback_base_url": "https://prm.example.org",
        },
        "secrets": {"auth_token": twilio_server.auth_token},
    }
    assert (await client.put(f"{API}/sms", json=body)).status_code == 200
    container = make_container(settings, LibraryContextProvider())
    context = RequestContext(tenant_id=TenantId(tenant_id), principal=SYSTEM)
    async with container(context={RequestContext: context}) as request:
        directory = await request.get(ProviderDirectory)
        sms = await directory.for_channel(Channel.SMS)
        email = await directory.for_channel(Channel.EMAIL)
        outgoing = OutgoingMessage(
            message_id=uuid4(),
            tenant_id=tenant_id,
            channel=Channel.SMS,
            to="+447700900123",
            subject=None,
            body="Hi",
            attempt=1,
        )
        receipt = await sms.send(outgoing)
    assert (sms.name, email.name, receipt.status) == ("twilio", "local", MessageStatus.SENT)
    assert twilio_server.messages[0].status_callback is not None
    lookup = await container.get(ProviderCredentialsLookup)
    credentials = await lookup.credentials(tenant_id, Channel.SMS)
    assert credentials is not None
    assert (credentials.auth_token, credentials.callback_base_url) == (
        twilio_server.auth_token,
        "https://prm.example.org",
    )
    assert twilio_server.auth_token not in repr(credentials)
    assert await lookup.credentials(tenant_id, Channel.WHATSAPP) is None
    assert await lookup.credentials(uuid4(), Channel.SMS) is None
    await container.close()
