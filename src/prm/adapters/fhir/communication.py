"""PRM message → FHIR R4 ``Communication`` resource (https://hl7.org/fhir/R4/communication.html).

- ``status`` (EventStatus, http://hl7.org/fhir/event-status, :data:`COMMUNICATION_STATUS`):
  ``pending``, ``scheduled``, ``queued`` → ``preparation`` (not handed to a provider yet);
  ``sending`` → ``in-progress``; ``sent``, ``delivered``, ``read`` and an inbound ``received`` →
  ``completed``; ``failed`` → ``stopped`` (FHIR: "terminated ... after at least some of the main
  activity was performed": the provider was tried, or refused it); ``blocked`` and ``cancelled``
  → ``not-done`` (FHIR: "terminated prior to any activity beyond preparation": consent, a
  preference or a missing address stopped it before any provider saw it, or staff cancelled it).
  ``statusReason`` of a ``failed``, ``blocked`` or ``cancelled`` message: PRM's status (system
  ``urn:prm:message-status``) and the reason as ``text`` (``opted_out:sms``, the provider's error);
- ``category``: the message's category (a template category such as ``reminder`` or
  ``appointment``, ``general`` by default; system ``urn:prm:communication-category``);
- ``medium`` (v3 ParticipationMode, http://terminology.hl7.org/CodeSystem/v3-ParticipationMode,
  THO 3.1.0): ``sms`` → ``SMSWRIT``, ``email`` → ``EMAILWRIT``, ``whatsapp`` → ``MSGWRIT``
  ("messaging ... through a cellular network or Internet"), each alongside PRM's channel (system
  ``urn:prm:channel``), which tells WhatsApp from other messaging;
- ``subject`` and the patient's side: ``Patient/{id}`` (none for an inbound message that matched
  no patient). Outbound: ``recipient`` is the patient with the address as ``display``, ``sender``
  the tenant's number or address as ``display`` when known. Inbound: ``sender`` is the patient
  (``display`` the address it came from), ``recipient`` the tenant's number or address;
- ``sent``: when the provider took it (outbound); ``received``: when it reached the other side
  (``delivered_at`` outbound, ``received_at`` inbound);
- ``payload[0].contentString``: the body (the patient's own record, as the REST API returns it);
  ``topic.text``: an email's subject;
- ``identifier``: the provider's message id (system ``urn:prm:message-provider:{provider}``);
- ``inResponseTo``: ``Communication/{id}`` of the message it answers; ``about``: the
  ``Appointment/{id}`` it is about.
"""

from collections.abc import Sequence
from typing import Any

from prm.adapters.fhir.patient import instant
from prm.domain.communications.channels import Channel, Direction, MessageStatus
from prm.domain.communications.messages import Message
from prm.domain.shared.errors import RuleViolated

EVENT_STATUS_SYSTEM = "http://hl7.org/fhir/event-status"
PARTICIPATION_MODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
CHANNEL_SYSTEM = "urn:prm:channel"
CATEGORY_SYSTEM = "urn:prm:communication-category"
MESSAGE_STATUS_SYSTEM = "urn:prm:message-status"
PROVIDER_SYSTEM_PREFIX = "urn:prm:message-provider:"

COMMUNICATION_STATUS: dict[MessageStatus, str] = {
    MessageStatus.PENDING: "preparation",
    MessageStatus.SCHEDULED: "preparation",
    MessageStatus.QUEUED: "preparation",
    MessageStatus.SENDING: "in-progress",
    MessageStatus.SENT: "completed",
    MessageStatus.DELIVERED: "completed",
    MessageStatus.READ: "completed",
    MessageStatus.RECEIVED: "completed",
    MessageStatus.FAILED: "stopped",
    MessageStatus.BLOCKED: "not-done",
    MessageStatus.CANCELLED: "not-done",
}
"""PRM's message status → FHIR EventStatus (see the module docstring)."""

MEDIUM: dict[Channel, tuple[str, str]] = {
    Channel.SMS: ("SMSWRIT", "SMS message"),
    Channel.EMAIL: ("EMAILWRIT", "email"),
    Channel.WHATSAPP: ("MSGWRIT", "messaging"),
}
"""PRM's channel → v3 ParticipationMode code and display."""

_WITH_REASON = frozenset({MessageStatus.FAILED, MessageStatus.BLOCKED, MessageStatus.CANCELLED})

SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("patient", "reference", "Patient/<id> or an id: the subject"),
    ("status", "token", "EventStatus: preparation | in-progress | completed | stopped | not-done, comma-separated"),
    ("medium", "token", "SMSWRIT | EMAILWRIT | MSGWRIT (v3-ParticipationMode) or urn:prm:channel|sms|whatsapp|email"),
    ("category", "token", "The message category (reminder, appointment, general ...), comma-separated"),
    ("sent", "date", "When the provider took it; prefixes eq, ge, gt, le, lt; repeatable (all must hold)"),
    ("received", "date", "When it reached the other side (delivered or received); as sent"),
)
"""The search parameters served: name, FHIR type, documentation."""

CAPABILITY: tuple[str, tuple[tuple[str, str, str], ...], frozenset[str], str] = (
    "Communication",
    SEARCH_PARAMS,
    frozenset({"patient", "status", "medium", "category", "sent", "received"}),
    "communications:read",
)
"""This resource's ``CapabilityStatement.rest.resource`` entry: type, search parameters, those
defined on the resource itself (the others are FHIR's shared ``clinical-*`` or ``individual-*`` ones), permission."""


def medium(channel: Channel) -> dict[str, Any]:
    """``Communication.medium`` of ``channel``: its ParticipationMode coding and PRM's channel."""
    code, display = MEDIUM[channel]
    return {
        "coding": [
            {"system": PARTICIPATION_MODE_SYSTEM, "code": code, "display": display},
            {"system": CHANNEL_SYSTEM, "code": channel.value},
        ],
        "text": channel.value,
    }


def communication_resource(message: Message) -> dict[str, Any]:
    """The FHIR R4 Communication for ``message`` (see the module docstring); empty elements are
    left out."""
    m = message
    resource: dict[str, Any] = {
        "resourceType": "Communication",
        "id": str(m.id),
        "meta": {"versionId": str(m.version), "lastUpdated": instant(m.updated_at)},
    }
    if m.provider and m.provider_message_id:
        resource["identifier"] = [{"system": f"{PROVIDER_SYSTEM_PREFIX}{m.provider}", "value": m.provider_message_id}]
    if m.reply_to_id:
        resource["inResponseTo"] = [{"reference": f"Communication/{m.reply_to_id}"}]
    resource["status"] = COMMUNICATION_STATUS[m.status]
    if m.status in _WITH_REASON:
        reason: dict[str, Any] = {"coding": [{"system": MESSAGE_STATUS_SYSTEM, "code": m.status.value}]}
        if m.status_reason:
            reason["text"] = m.status_reason
        resource["statusReason"] = reason
    resource["category"] = [{"coding": [{"system": CATEGORY_SYSTEM, "code": m.category}], "text": m.category}]
    resource["medium"] = [medium(m.channel)]
    patient = {"reference": f"Patient/{m.patient_id}"} if m.patient_id else None
    if patient:
        resource["subject"] = patient
    if m.subject:
        resource["topic"] = {"text": m.subject}
    if m.appointment_id:
        resource["about"] = [{"reference": f"Appointment/{m.appointment_id}"}]
    inbound = m.direction is Direction.INBOUND
    sent_at = None if inbound else m.sent_at
    received_at = m.received_at if inbound else m.delivered_at
    if sent_at:
        resource["sent"] = instant(sent_at)
    if received_at:
        resource["received"] = instant(received_at)
    patient_party = _without_empty({**(patient or {}), "display": m.sender if inbound else m.recipient})
    our_address = m.recipient if inbound else m.sender
    if inbound:
        if patient_party:
            resource["sender"] = patient_party
        if our_address:
            resource["recipient"] = [{"display": our_address}]
    else:
        if patient_party:
            resource["recipient"] = [patient_party]
        if our_address:
            resource["sender"] = {"display": our_address}
    resource["payload"] = [{"contentString": m.body}]
    return resource


def _without_empty(reference: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in reference.items() if v}


_MEDIUM_CODES = {code: channel for channel, (code, _) in MEDIUM.items()}
_CHANNEL_CODES = frozenset(c.value for c in Channel)


def medium_channels(values: Sequence[str], parameter: str = "medium") -> frozenset[Channel]:
    """The channels of a ``medium`` token (comma-separated, an OR): ``SMSWRIT``, ``EMAILWRIT``,
    ``MSGWRIT`` (optionally ``v3-ParticipationMode|``) or ``sms``, ``whatsapp``, ``email``
    (optionally ``urn:prm:channel|``); ``RuleViolated`` (422) naming ``parameter`` otherwise."""
    found: set[Channel] = set()
    for value in values:
        for part in value.split(","):
            system, _, code = part.strip().rpartition("|")
            channel = None
            if system in ("", PARTICIPATION_MODE_SYSTEM) and code in _MEDIUM_CODES:
                channel = _MEDIUM_CODES[code]
            elif system in ("", CHANNEL_SYSTEM) and code in _CHANNEL_CODES:
                channel = Channel(code)
            if channel is None:
                allowed = ", ".join([*_MEDIUM_CODES, *(c.value for c in Channel)])
                raise RuleViolated(f"{parameter} must be one of: {allowed}", field=parameter)
            found.add(channel)
    return frozenset(found)
