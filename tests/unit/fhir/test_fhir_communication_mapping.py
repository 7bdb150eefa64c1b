"""PRM message → FHIR R4 Communication (adapters/fhir/communication): every status, channel and
direction, checked with the official R4B models."""

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from fhir.resources.R4B.communication import Communication

from prm.adapters.fhir.communication import (
    COMMUNICATION_STATUS,
    PARTICIPATION_MODE_SYSTEM,
    communication_resource,
    medium_channels,
)
from prm.domain.communications.channels import Channel, MessageStatus
from prm.domain.communications.messages import Message, incoming
from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.ids import PatientId, TenantId
from tests.fakes import NOW

TENANT = TenantId(uuid4())


def _outgoing(channel: Channel = Channel.SMS, **links: Any) -> Message:
    return Message.outgoing(
        tenant_id=TENANT,
        patient_id=PatientId(uuid4()),
        channel=channel,
        recipient="ada@example.org" if channel is Channel.EMAIL else "+16174923500",
        body="Your appointment is tomorrow",
        now=NOW,
        **links,
    )


def test_an_outgoing_delivered_sms_maps_every_element() -> None:
    appointment = uuid4()
    message = _outgoing(category="reminder", appointment_id=appointment)
    message.sender = "+15005550006"
    message.start_attempt(NOW, timedelta(minutes=2))
    message.mark_sent("twilio", "SM123", NOW + timedelta(seconds=1))
    message.apply_callback(MessageStatus.DELIVERED, NOW + timedelta(seconds=5), NOW + timedelta(seconds=6))
    resource = communication_resource(message)
    Communication.model_validate(resource)
    assert resource["status"] == "completed"
    assert "statusReason" not in resource
    assert resource["subject"] == {"reference": f"Patient/{message.patient_id}"}
    assert resource["recipient"] == [{"reference": f"Patient/{message.patient_id}", "display": "+16174923500"}]
    assert resource["sender"] == {"display": "+15005550006"}
    assert resource["payload"] == [{"contentString": "Your appointment is tomorrow"}]
    assert resource["identifier"] == [{"system": "urn:prm:message-provider:twilio", "value": "SM123"}]
    assert resource["category"][0]["coding"][0] == {"system": "urn:prm:communication-category", "code": "reminder"}
    assert resource["medium"][0]["coding"][0] == {
        "system": PARTICIPATION_MODE_SYSTEM,
        "code": "SMSWRIT",
        "display": "SMS message",
    }
    assert resource["about"] == [{"reference": f"Appointment/{appointment}"}]
    assert resource["sent"].startswith(str(NOW.date()))
    assert "received" in resource
    assert resource["meta"]["versionId"] == str(message.version)


def test_an_email_has_its_subject_as_topic_and_whatsapp_is_messaging_with_prms_channel() -> None:
    email = _outgoing(Channel.EMAIL, subject="Your results")
    resource = communication_resource(email)
    Communication.model_validate(resource)
    assert resource["topic"] == {"text": "Your results"}
    assert resource["medium"][0]["coding"][0]["code"] == "EMAILWRIT"
    assert resource["status"] == "preparation"
    assert not {"sent", "received", "sender"} & set(resource)
    whatsapp = communication_resource(_outgoing(Channel.WHATSAPP))
    Communication.model_validate(whatsapp)
    codings = whatsapp["medium"][0]["coding"]
    assert [c["code"] for c in codings] == ["MSGWRIT", "whatsapp"]
    assert codings[1]["system"] == "urn:prm:channel"


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        (MessageStatus.FAILED, "the provider refused it", "stopped"),
        (MessageStatus.BLOCKED, "opted_out:sms", "not-done"),
        (MessageStatus.CANCELLED, None, "not-done"),
    ],
)
def test_a_message_that_did_not_go_carries_its_status_and_reason(
    status: MessageStatus, reason: str | None, expected: str
) -> None:
    message = _outgoing()
    if status is MessageStatus.FAILED:
        message.fail(reason, NOW)
    elif status is MessageStatus.BLOCKED:
        message.block(reason or "", NOW)
    else:
        message.cancel(NOW)
    resource = communication_resource(message)
    Communication.model_validate(resource)
    assert resource["status"] == expected
    assert resource["statusReason"]["coding"] == [{"system": "urn:prm:message-status", "code": status.value}]
    assert resource["statusReason"].get("text") == reason


def test_an_inbound_reply_is_sent_by_the_patient_and_answers_a_communication() -> None:
    patient, answered = PatientId(uuid4()), uuid4()
    message = incoming(
        tenant_id=TENANT,
        patient_id=patient,
        channel=Channel.SMS,
        sender="+16174923500",
        recipient="+15005550006",
        body="C",
        received_at=NOW,
        now=NOW,
        provider="twilio",
        provider_message_id="SM9",
        reply_to_id=answered,
    )
    resource = communication_resource(message)
    Communication.model_validate(resource)
    assert resource["status"] == "completed"
    assert resource["sender"] == {"reference": f"Patient/{patient}", "display": "+16174923500"}
    assert resource["recipient"] == [{"display": "+15005550006"}]
    assert resource["inResponseTo"] == [{"reference": f"Communication/{answered}"}]
    assert "sent" not in resource
    assert resource["received"].startswith(str(NOW.date()))


def test_an_unmatched_inbound_message_has_no_subject() -> None:
    message = incoming(
        tenant_id=TENANT,
        patient_id=None,
        channel=Channel.WHATSAPP,
        sender="+447700900123",
        recipient="+15005550006",
        body="Hello?",
        received_at=NOW,
        now=NOW,
        provider="whatsapp",
        provider_message_id="wamid.1",
    )
    resource = communication_resource(message)
    Communication.model_validate(resource)
    assert "subject" not in resource
    assert resource["sender"] == {"display": "+447700900123"}


def test_every_status_has_an_event_status() -> None:
    assert set(COMMUNICATION_STATUS) == set(MessageStatus)


def test_medium_codes_read_both_systems_and_refuse_others() -> None:
    assert medium_channels(["SMSWRIT,urn:prm:channel|email"]) == {Channel.SMS, Channel.EMAIL}
    assert medium_channels([f"{PARTICIPATION_MODE_SYSTEM}|MSGWRIT", "sms"]) == {Channel.WHATSAPP, Channel.SMS}
    for bad in ("PHONE", "urn:prm:channel|SMSWRIT", f"{PARTICIPATION_MODE_SYSTEM}|sms", "urn:x|sms", ""):
        with pytest.raises(RuleViolated) as raised:
            medium_channels([bad])
        assert raised.value.field == "medium"
