"""Signature checks and parsers of the providers' callbacks, for the webhook routes.

Pure functions: no I/O, no clock unless the caller leaves ``received_at`` out, and no PHI (phone
numbers, bodies) in any error they raise. A route verifies first, then parses; a
:class:`MalformedCallback` is a 400, a failed signature a 403.

- Twilio (https://www.twilio.com/docs/usage/security#validating-requests): ``X-Twilio-Signature``
  is the base64 HMAC-SHA1, keyed with the account's auth token, of the full URL Twilio called
  (scheme, host, path and query, as configured: build it from the tenant's ``callback_base_url``,
  not from what a proxy forwarded) followed by every POST parameter's name and value, sorted by
  name. Status callbacks (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status)
  carry ``MessageSid``, ``MessageStatus`` and ``ErrorCode``; inbound messages
  (https://www.twilio.com/docs/messaging/guides/webhook-request) ``MessageSid``, ``From``, ``To``,
  ``Body``, ``NumMedia``.
- Meta (https://developers.facebook.com/docs/graph-api/webhooks/getting-started): the
  ``hub.mode=subscribe`` verification GET, and POSTs signed ``X-Hub-Signature-256:
  sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>``. WhatsApp Cloud API
  notifications (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components):
  ``entry[].changes[].value`` with ``statuses[]`` and ``messages[]``.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

from prm.application.communications.contracts import InboundMessage, StatusCallback
from prm.domain.communications.channels import Channel, MessageStatus

TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
META_SIGNATURE_HEADER = "X-Hub-Signature-256"

TWILIO = "twilio"
WHATSAPP_CLOUD = "whatsapp_cloud"

FormParams = Mapping[str, str] | Iterable[tuple[str, str]]
"""Form fields as a mapping, or as (name, value) pairs when a name may repeat."""


class MalformedCallback(ValueError):
    """A callback document or form that is not what the provider sends (HTTP 400). ``field``
    names what is missing or wrong (``MessageSid``, ``entry[0].changes[0].value.statuses[1].id``);
    the message never quotes values."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


# --------------------------------------------------------------------------- Twilio

TWILIO_STATUSES: Mapping[str, MessageStatus] = {
    "accepted": MessageStatus.SENT,
    "scheduled": MessageStatus.SENT,
    "queued": MessageStatus.SENT,
    "sending": MessageStatus.SENT,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "undelivered": MessageStatus.FAILED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}
"""Twilio's Message ``status`` values to ours: everything the provider holds is ``sent`` (it
accepted the message), ``undelivered``, ``failed`` and ``canceled`` are ``failed``."""

TWILIO_ERRORS: Mapping[str, str] = {
    "21211": "invalid 'To' phone number",
    "21408": "permission to send to this region is not enabled",
    "21610": "the recipient has unsubscribed (replied STOP)",
    "21614": "'To' is not a mobile number",
    "30003": "unreachable destination handset",
    "30004": "message blocked",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
    "30007": "message filtered by the carrier",
    "30008": "unknown error",
}
"""Twilio error codes (https://www.twilio.com/docs/api/errors) to a short reason without PHI."""


def _pairs(params: FormParams) -> list[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else params
    return [(str(name), str(value)) for name, value in items]


def twilio_signature(url: str, form_params: FormParams, auth_token: str) -> str:
    """The ``X-Twilio-Signature`` Twilio sends for a POST of ``form_params`` to ``url``."""
    data = url + "".join(name + value for name, value in sorted(_pairs(form_params)))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _without_default_port(url: str) -> str | None:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if parts.port is None or parts.port != default or parts.hostname is None:
        return None
    return parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]).geturl()


def verify_twilio_signature(url: str, form_params: FormParams, header: str | None, auth_token: str) -> bool:
    """``True`` when ``header`` (the ``X-Twilio-Signature`` value, ``None`` when absent) is
    Twilio's signature of this POST. Compared in constant time; a URL written with its scheme's
    default port (``:443``) also matches the signature made without it, as Twilio's own helper
    allows."""
    if not header or not auth_token:
        return False
    given = header.strip().encode()
    candidates = [url] + [u for u in [_without_default_port(url)] if u]
    return any(hmac.compare_digest(twilio_signature(u, form_params, auth_token).encode(), given) for u in candidates)


def _field(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if value is None or not str(value).strip():
        raise MalformedCallback(f"the Twilio callback has no {name}", field=name)
    return str(value).strip()


def _message_id(query: Mapping[str, str] | None) -> UUID | None:
    raw = (query or {}).get("message_id")
    if raw is None:
        return None
    try:
        return UUID(str(raw))
    except ValueError as exc:
        raise MalformedCallback("message_id in the callback URL is not a UUID", field="message_id") from exc


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a callback URL (``message_id`` of a status callback)."""
    return dict(parse_qsl(urlsplit(url).query))


def parse_twilio_status(
    form: Mapping[str, str], *, query: Mapping[str, str] | None = None, received_at: datetime | None = None
) -> StatusCallback:
    """A Twilio status callback (form fields ``MessageSid``, ``MessageStatus``, ``ErrorCode``) as
    a :class:`StatusCallback`. ``query`` is the callback URL's query, where ours carries
    ``message_id``; Twilio sends no event time, so ``occurred_at`` is ``received_at`` (now when
    left out). Raises :class:`MalformedCallback` without a sid or with an unknown status."""
    sid = _field(form, "MessageSid")
    raw_status = _field(form, "MessageStatus").lower()
    status = TWILIO_STATUSES.get(raw_status)
    if status is None:
        raise MalformedCallback("MessageStatus is not a Twilio message status", field="MessageStatus")
    error_code = str(form.get("ErrorCode") or "").strip() or None
    error_message = None
    if error_code is not None:
        error_message = TWILIO_ERRORS.get(error_code, f"Twilio error {error_code}")
    elif status is MessageStatus.FAILED:
        error_message = f"Twilio status {raw_status}"
    return StatusCallback(
        provider=TWILIO,
        provider_message_id=sid,
        status=status,
        occurred_at=received_at or datetime.now(UTC),  # only when the route passes no clock reading
        message_id=_message_id(query),
        error_code=error_code,
        error_message=error_message,
    )


_SEPARATORS = str.maketrans("", "", " -().")


def _e164(digits_or_phone: str, field: str) -> str:
    value = digits_or_phone.strip()
    if value.startswith("whatsapp:"):
        value = value.removeprefix("whatsapp:")
    bare = value.removeprefix("+").translate(_SEPARATORS)
    if not bare.isdigit() or not 7 <= len(bare) <= 15:
        raise MalformedCallback(f"{field} is not a phone number", field=field)
    return "+" + bare


def parse_twilio_inbound(form: Mapping[str, str], *, received_at: datetime | None = None) -> InboundMessage:
    """An inbound SMS posted by Twilio (``MessageSid``, ``From``, ``To``, ``Body``; ``NumMedia``
    attachments become ``[media]`` after the text) as an :class:`InboundMessage`. ``From`` and
    ``To`` must be phone numbers (``whatsapp:`` prefixes are dropped). Raises
    :class:`MalformedCallback`."""
    sid = _field(form, "MessageSid")
    body = str(form.get("Body") or "")
    media = str(form.get("NumMedia") or "0").strip()
    if media.isdigit() and int(media) > 0:
        body = (body + " [media]").strip()
    return InboundMessage(
        provider=TWILIO,
        channel=Channel.SMS,
        provider_message_id=sid,
        sender=_e164(_field(form, "From"), "From"),
        recipient=_e164(_field(form, "To"), "To"),
        body=body,
        received_at=received_at or datetime.now(UTC),  # Twilio sends no time with the message
    )


# --------------------------------------------------------------------------- Meta / WhatsApp

WHATSAPP_STATUSES: Mapping[str, MessageStatus] = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "failed": MessageStatus.FAILED,
}


def meta_signature(raw_body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``raw_body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_meta_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """``True`` when ``header`` (``X-Hub-Signature-256``, ``None`` when absent) signs exactly
    ``raw_body`` (the bytes received, before any JSON parsing) with ``app_secret``; constant time."""
    if not header or not app_secret:
        return False
    return hmac.compare_digest(meta_signature(raw_body, app_secret).encode(), header.strip().lower().encode())


def verify_whatsapp_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The ``hub.challenge`` to answer (HTTP 200, as plain text) when the GET is Meta's
    subscription check (``hub.mode=subscribe``) with our ``hub.verify_token``; ``None`` otherwise
    (answer 403)."""
    if params.get("hub.mode") != "subscribe" or not verify_token:
        return None
    token = params.get("hub.verify_token") or ""
    challenge = params.get("hub.challenge")
    if challenge is None or not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedCallback(f"{where} is not an object", field=where)
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise MalformedCallback(f"{where} is not a list", field=where)
    return value


def _text(value: Mapping[str, Any], name: str, where: str) -> str:
    got = value.get(name)
    if not isinstance(got, str | int) or isinstance(got, bool) or not str(got).strip():
        raise MalformedCallback(f"{where}.{name} is missing", field=f"{where}.{name}")
    return str(got).strip()


def _timestamp(value: Mapping[str, Any], where: str) -> datetime:
    raw = _text(value, "timestamp", where)
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise MalformedCallback(f"{where}.timestamp is not Unix seconds", field=f"{where}.timestamp") from exc


def _whatsapp_status(status: Mapping[str, Any], where: str) -> StatusCallback:
    raw_status = _text(status, "status", where).lower()
    ours = WHATSAPP_STATUSES.get(raw_status)
    if ours is None:
        raise MalformedCallback(f"{where}.status is not a WhatsApp status", field=f"{where}.status")
    error_code = error_message = None
    errors = _list(status.get("errors"), f"{where}.errors")
    if errors:
        first = _obj(errors[0], f"{where}.errors[0]")
        error_code = str(first["code"]) if "code" in first else None
        title = first.get("title") or first.get("message")
        error_message = str(title)[:200] if title else None
    message_id = None
    opaque = status.get("biz_opaque_callback_data")
    if isinstance(opaque, str):
        try:
            message_id = UUID(opaque)
        except ValueError:
            message_id = None  # someone else's opaque data: not ours to interpret
    return StatusCallback(
        provider=WHATSAPP_CLOUD,
        provider_message_id=_text(status, "id", where),
        status=ours,
        occurred_at=_timestamp(status, where),
        message_id=message_id,
        error_code=error_code,
        error_message=error_message,
    )


def _whatsapp_message(message: Mapping[str, Any], recipient: str, where: str) -> InboundMessage:
    kind = _text(message, "type", where)
    if kind == "text":
        body = str(_obj(message.get("text"), f"{where}.text").get("body") or "")
    elif kind == "button":  # a quick-reply button of a template message
        body = str(_obj(message.get("button"), f"{where}.button").get("text") or "")
    elif kind == "interactive":
        reply = _obj(message.get("interactive"), f"{where}.interactive")
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        body = str(chosen.get("title") or "") if isinstance(chosen, Mapping) else ""
    else:
        body = f"[{kind}]"
    context = message.get("context")
    in_reply_to = None
    if isinstance(context, Mapping) and isinstance(context.get("id"), str):
        in_reply_to = context["id"]
    return InboundMessage(
        provider=WHATSAPP_CLOUD,
        channel=Channel.WHATSAPP,
        provider_message_id=_text(message, "id", where),
        sender=_e164(_text(message, "from", where), f"{where}.from"),
        recipient=recipient,
        body=body,
        received_at=_timestamp(message, where),
        in_reply_to=in_reply_to,
    )


def parse_whatsapp_webhook(document: Any) -> tuple[list[StatusCallback], list[InboundMessage]]:
    """The status updates and inbound messages of one WhatsApp Cloud API notification (the parsed
    JSON body, ``object: whatsapp_business_account``). Inbound ``text`` messages keep their body,
    button and interactive replies their title; other types (image, audio, location ...) become
    ``[image]`` and so on. ``recipient`` is the business number (``metadata.display_phone_number``
    as E.164). Changes of other fields than ``messages`` are ignored. Raises
    :class:`MalformedCallback` naming the first thing out of shape."""
    root = _obj(document, "document")
    statuses: list[StatusCallback] = []
    inbound: list[InboundMessage] = []
    for e, entry in enumerate(_list(root.get("entry"), "entry")):
        entry_at = f"entry[{e}]"
        for c, change in enumerate(_list(_obj(entry, entry_at).get("changes"), f"{entry_at}.changes")):
            change_at = f"{entry_at}.changes[{c}]"
            change_obj = _obj(change, change_at)
            if change_obj.get("field", "messages") != "messages":
                continue
            value_at = f"{change_at}.value"
            value = _obj(change_obj.get("value"), value_at)
            for s, status in enumerate(_list(value.get("statuses"), f"{value_at}.statuses")):
                statuses.append(
                    _whatsapp_status(_obj(status, f"{value_at}.statuses[{s}]"), f"{value_at}.statuses[{s}]")
                )
            messages = _list(value.get("messages"), f"{value_at}.messages")
            if not messages:
                continue
            metadata = _obj(value.get("metadata"), f"{value_at}.metadata")
            recipient = _e164(
                _text(metadata, "display_phone_number", f"{value_at}.metadata"),
                f"{value_at}.metadata.display_phone_number",
            )
            for m, message in enumerate(messages):
                where = f"{value_at}.messages[{m}]"
                inbound.append(_whatsapp_message(_obj(message, where), recipient, where))
    return statuses, inbound
