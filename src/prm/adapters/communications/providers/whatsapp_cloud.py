"""WhatsApp over Meta's WhatsApp Cloud API
(https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages), with the process's
pooled httpx client.

- Send: ``POST {base}/{version}/{phone-number-id}/messages`` with ``Authorization: Bearer
  <access token>`` and JSON ``{"messaging_product": "whatsapp", "recipient_type": "individual",
  "to": <digits>, "type": "text", "text": {"body": ...}}``, or ``"type": "template"`` with
  ``template.name``, ``template.language.code`` and the body parameters as
  ``components[0].parameters`` (a pre-approved template, needed outside the 24-hour customer
  service window). ``biz_opaque_callback_data`` carries our message id, which Meta echoes in
  status webhooks. The answer's ``messages[0].id`` (``wamid…``) is the provider id.
- Errors (Graph error ``code``,
  https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes): HTTP 429, 5xx,
  timeouts, connection errors and the throttling codes (:data:`TRANSIENT_CODES`: 130429 and
  80007 rate limits, 131048 spam rate limit, 131056 pair rate limit, 131000/131016 service
  errors) are transient; anything else (131026 undeliverable, 131047 re-engagement window, 190
  access token, 100 invalid parameter, 132001 unknown template ...) is permanent.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from prm.adapters.communications.providers.callbacks import WHATSAPP_CLOUD
from prm.adapters.communications.providers.http_errors import retry_after, transport_error
from prm.application.communications.contracts import (
    MessageProvider,
    OutgoingMessage,
    PermanentProviderError,
    ProviderReceipt,
    TransientProviderError,
)
from prm.domain.communications.channels import MessageStatus
from prm.domain.communications.providers import DEFAULT_WHATSAPP_API_VERSION

GRAPH_API = "https://graph.facebook.com"

TRANSIENT_CODES = frozenset({"130429", "80007", "131048", "131056", "131000", "131016", "2", "4"})
REASONS = {
    "131026": "message undeliverable (not a WhatsApp user, or an outdated app)",
    "131047": "more than 24 hours since the customer last replied: a template is needed",
    "190": "the access token is invalid or expired",
    "100": "invalid parameter",
    "131051": "unsupported message type",
    "132000": "template parameters do not match",
    "132001": "the template does not exist in this language",
    "133010": "the business phone number is not registered",
    "131030": "the recipient is not in the allowed list (test number)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsAppAccount:
    """One business phone number of a WhatsApp Business Account; the token never shows in ``repr``."""

    phone_number_id: str
    access_token: str = field(repr=False)
    api_version: str = DEFAULT_WHATSAPP_API_VERSION
    base_url: str = GRAPH_API


def message_document(message: OutgoingMessage) -> dict[str, Any]:
    """The JSON document of ``message`` (text, or template when it carries one)."""
    document: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to.removeprefix("+"),
        "biz_opaque_callback_data": str(message.message_id),
    }
    if message.template is not None:
        template: dict[str, Any] = {"name": message.template.name, "language": {"code": message.template.language}}
        if message.template.parameters:
            parameters = [{"type": "text", "text": p} for p in message.template.parameters]
            template["components"] = [{"type": "body", "parameters": parameters}]
        document.update(type="template", template=template)
    else:
        document.update(type="text", text={"preview_url": False, "body": message.body})
    return document


def _refusal(response: httpx.Response) -> TransientProviderError | PermanentProviderError:
    try:
        document = response.json()
    except ValueError:
        document = {}
    error = document.get("error") if isinstance(document, dict) else None
    code = str(error["code"]) if isinstance(error, dict) and error.get("code") is not None else None
    status = response.status_code
    if status == 429 or status >= 500 or code in TRANSIENT_CODES:
        label = f"HTTP {status}" + (f", code {code}" if code else "")
        return TransientProviderError(
            f"WhatsApp Cloud API is busy ({label})", code=code, retry_after=retry_after(response)
        )
    known = REASONS.get(code or "")
    reason = f"{known} (WhatsApp {code})" if known else f"WhatsApp refused the message (HTTP {status}, code {code})"
    return PermanentProviderError(reason, code=code)


class WhatsAppCloud(MessageProvider):
    """One tenant's WhatsApp business number behind :class:`MessageProvider` (whatsapp)."""

    name = WHATSAPP_CLOUD

    def __init__(self, client: httpx.AsyncClient, account: WhatsAppAccount) -> None:
        self._client = client
        # parsed once: httpx validates a string URL character by character on every request
        self._url = httpx.URL(
            f"{account.base_url.rstrip('/')}/{account.api_version}/{account.phone_number_id}/messages"
        )
        self._headers = httpx.Headers({"Authorization": f"Bearer {account.access_token}"})

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        try:
            response = await self._client.post(self._url, json=message_document(message), headers=self._headers)
        except httpx.HTTPError as exc:
            raise transport_error("WhatsApp Cloud API", exc) from exc
        if not response.is_success:
            raise _refusal(response)
        try:
            wamid = response.json()["messages"][0]["id"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise TransientProviderError("WhatsApp Cloud API answered without a message id") from exc
        return ProviderReceipt(provider=WHATSAPP_CLOUD, provider_message_id=str(wamid), status=MessageStatus.SENT)

    async def lookup(self, message: OutgoingMessage, *, since: datetime) -> ProviderReceipt | None:
        """Always ``None``: the Cloud API cannot list or find sent messages, and has no
        idempotency key. A resend after a crash between Meta's acceptance and our commit may
        therefore deliver the message twice; the status webhook of the first copy still finds
        the message by ``biz_opaque_callback_data``."""
        return None
