"""Signature checks and parsers of the providers' callbacks, on documents shaped like the
providers' own examples (Twilio's webhook docs, Meta's webhook payload examples)."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.adapters.communications.providers.callbacks import (
    MalformedCallback,
    meta_signature,
    parse_twilio_inbound,
    parse_twilio_status,
    parse_whatsapp_webhook,
    twilio_signature,
    verify_meta_signature,
    verify_twilio_signature,
    verify_whatsapp_challenge,
)
from prm.domain.communications.channels import Channel, MessageStatus

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TOKEN = "12345"
# Twilio's documented example (https://www.twilio.com/docs/usage/security#validating-requests)
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}


def test_twilio_signature_matches_twilios_documented_example() -> None:
    data = URL + "".join(k + v for k, v in sorted(PARAMS.items()))
    expected = base64.b64encode(hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()
    assert twilio_signature(URL, PARAMS, TOKEN) == expected == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert verify_twilio_signature(URL, PARAMS, expected, TOKEN)
    assert verify_twilio_signature(URL, list(reversed(PARAMS.items())), expected, TOKEN)  # order of fields
    assert verify_twilio_signature(URL.replace(".com/", ".com:443/"), PARAMS, expected, TOKEN)


@pytest.mark.parametrize(
    ("url", "params", "header", "token"),
    [
        (URL, {**PARAMS, "Digits": "9999"}, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", TOKEN),  # tampered body
        (URL + "&x=1", PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", TOKEN),  # another URL
        (URL, PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "wrong"),  # wrong secret
        (URL, PARAMS, None, TOKEN),  # missing header
        (URL, PARAMS, "", TOKEN),
        (URL, PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", ""),  # no token configured
    ],
)
def test_twilio_signature_refuses(url: str, params: dict[str, str], header: str | None, token: str) -> None:
    assert not verify_twilio_signature(url, params, header, token)


def test_meta_signature_valid_tampered_wrong_secret_missing() -> None:
    raw = b'{"object":"whatsapp_business_account","entry":[]}'
    header = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
    assert meta_signature(raw, "app-secret") == header
    assert verify_meta_signature(raw, header, "app-secret")
    assert verify_meta_signature(raw, header.upper().replace("SHA256=", "sha256="), "app-secret")
    assert not verify_meta_signature(raw.replace(b"[]", b"[{}]"), header, "app-secret")
    assert not verify_meta_signature(raw, header, "other-secret")
    assert not verify_meta_signature(raw, None, "app-secret")
    assert not verify_meta_signature(raw, header.removeprefix("sha256="), "app-secret")


@given(st.binary(max_size=200), st.text(min_size=1, max_size=20))
def test_a_meta_signature_verifies_only_its_own_body(raw: bytes, secret: str) -> None:
    header = meta_signature(raw, secret)
    assert verify_meta_signature(raw, header, secret)
    assert not verify_meta_signature(raw + b"x", header, secret)


def test_whatsapp_challenge() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "1158201444"}
    assert verify_whatsapp_challenge(params, "vt") == "1158201444"
    assert verify_whatsapp_challenge({**params, "hub.verify_token": "nope"}, "vt") is None
    assert verify_whatsapp_challenge({**params, "hub.mode": "unsubscribe"}, "vt") is None
    assert verify_whatsapp_challenge({"hub.mode": "subscribe", "hub.verify_token": "vt"}, "vt") is None
    assert verify_whatsapp_challenge(params, "") is None


def test_twilio_status_callback() -> None:
    message_id = uuid4()
    form = {
        "AccountSid": "AC" + "0" * 32,
        "From": "+15017250604",
        "MessageSid": "SM1342fe1b2c904d1ab04f0fc7a58abca9",
        "MessageStatus": "undelivered",
        "SmsStatus": "undelivered",
        "To": "+15558675310",
        "ErrorCode": "30003",
        "ApiVersion": "2010-04-01",
    }
    status = parse_twilio_status(form, query={"message_id": str(message_id)}, received_at=NOW)
    assert status.provider == "twilio"
    assert (status.provider_message_id, status.status, status.message_id) == (
        "SM1342fe1b2c904d1ab04f0fc7a58abca9",
        MessageStatus.FAILED,
        message_id,
    )
    assert (status.error_code, status.error_message, status.occurred_at) == (
        "30003",
        "unreachable destination handset",
        NOW,
    )
    for raw, ours in [("queued", "sent"), ("sent", "sent"), ("delivered", "delivered"), ("read", "read")]:
        assert parse_twilio_status({**form, "MessageStatus": raw, "ErrorCode": ""}, received_at=NOW).status == ours


@pytest.mark.parametrize(
    ("form", "query", "field"),
    [
        ({"MessageStatus": "sent"}, None, "MessageSid"),
        ({"MessageSid": "SM1"}, None, "MessageStatus"),
        ({"MessageSid": "SM1", "MessageStatus": "exploded"}, None, "MessageStatus"),
        ({"MessageSid": "SM1", "MessageStatus": "sent"}, {"message_id": "not-a-uuid"}, "message_id"),
    ],
)
def test_a_malformed_twilio_status_names_the_field(
    form: dict[str, str], query: dict[str, str] | None, field: str
) -> None:
    with pytest.raises(MalformedCallback) as malformed:
        parse_twilio_status(form, query=query, received_at=NOW)
    assert malformed.value.field == field


def test_twilio_inbound_sms() -> None:
    form = {
        "ToCountry": "US",
        "SmsMessageSid": "SM0a1b2c3d4e5f",
        "NumMedia": "0",
        "Body": "C",
        "From": "+14017122661",
        "To": "+15558675310",
        "MessageSid": "SM0a1b2c3d4e5f",
        "AccountSid": "AC" + "0" * 32,
    }
    inbound = parse_twilio_inbound(form, received_at=NOW)
    assert (inbound.channel, inbound.sender, inbound.recipient, inbound.body) == (
        Channel.SMS,
        "+14017122661",
        "+15558675310",
        "C",
    )
    assert (inbound.provider_message_id, inbound.received_at) == ("SM0a1b2c3d4e5f", NOW)
    assert parse_twilio_inbound({**form, "NumMedia": "1"}, received_at=NOW).body == "C [media]"
    with pytest.raises(MalformedCallback) as malformed:
        parse_twilio_inbound({**form, "From": "+1 (401) <script>"}, received_at=NOW)
    assert malformed.value.field == "From"
    assert "401" not in str(malformed.value)


# Meta's example notification (status and message in one for brevity).
def whatsapp_document(opaque: str) -> dict[str, object]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                            "statuses": [
                                {
                                    "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA",
                                    "status": "failed",
                                    "timestamp": "1750263773",
                                    "recipient_id": "16505551234",
                                    "biz_opaque_callback_data": opaque,
                                    "errors": [
                                        {
                                            "code": 131026,
                                            "title": "Message undeliverable",
                                            "message": "Message undeliverable",
                                            "error_data": {"details": "Message Undeliverable."},
                                        }
                                    ],
                                }
                            ],
                            "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
                            "messages": [
                                {
                                    "context": {
                                        "from": "15550783881",
                                        "id": "wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQTdBQjJ",
                                    },
                                    "from": "16505551234",
                                    "id": "wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
                                    "timestamp": "1749416383",
                                    "type": "text",
                                    "text": {"body": "Does it come in another color?"},
                                },
                                {
                                    "from": "16505551234",
                                    "id": "wamid.IMAGE",
                                    "timestamp": "1749416384",
                                    "type": "image",
                                    "image": {"mime_type": "image/jpeg", "id": "1003383421387256"},
                                },
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def test_whatsapp_webhook_statuses_and_messages() -> None:
    message_id = uuid4()
    statuses, inbound = parse_whatsapp_webhook(json.loads(json.dumps(whatsapp_document(str(message_id)))))
    (status,) = statuses
    assert (status.provider, status.status, status.message_id, status.error_code, status.error_message) == (
        "whatsapp_cloud",
        MessageStatus.FAILED,
        message_id,
        "131026",
        "Message undeliverable",
    )
    assert status.occurred_at == datetime(2025, 6, 18, 16, 22, 53, tzinfo=UTC)
    text, image = inbound
    assert (text.channel, text.sender, text.recipient, text.body) == (
        Channel.WHATSAPP,
        "+16505551234",
        "+15550783881",
        "Does it come in another color?",
    )
    assert text.in_reply_to == "wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQTdBQjJ"
    assert (image.body, image.in_reply_to) == ("[image]", None)


def test_foreign_opaque_data_is_not_our_message_id() -> None:
    (status,), _ = parse_whatsapp_webhook(whatsapp_document("campaign-42"))
    assert status.message_id is None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ([], "document"),
        ({"entry": {}}, "entry"),
        (
            {"entry": [{"changes": [{"field": "messages", "value": {"statuses": [{"status": "sent"}]}}]}]},
            "entry[0].changes[0].value.statuses[0].id",
        ),
        (
            {"entry": [{"changes": [{"value": {"statuses": [{"id": "w", "status": "sent", "timestamp": "soon"}]}}]}]},
            "entry[0].changes[0].value.statuses[0].timestamp",
        ),
        (
            {"entry": [{"changes": [{"value": {"statuses": [{"id": "w", "status": "lost", "timestamp": "1"}]}}]}]},
            "entry[0].changes[0].value.statuses[0].status",
        ),
    ],
)
def test_a_malformed_whatsapp_document_names_the_field(document: object, field: str) -> None:
    with pytest.raises(MalformedCallback) as malformed:
        parse_whatsapp_webhook(document)
    assert malformed.value.field == field


def test_other_fields_are_ignored() -> None:
    document = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "account_update", "value": {}}]}],
    }
    assert parse_whatsapp_webhook(document) == ([], [])
