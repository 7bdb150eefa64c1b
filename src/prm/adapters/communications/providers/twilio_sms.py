"""SMS over Twilio's Programmable Messaging REST API (the Messages resource,
https://www.twilio.com/docs/messaging/api/message-resource), with the process's pooled httpx client.

- Send: ``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded ``To``,
  ``From`` (or ``MessagingServiceSid``), ``Body`` and, when the tenant set a
  ``callback_base_url``, ``StatusCallback`` =
  ``{callback_base_url}/api/v1/prm/communications/webhooks/twilio/{tenant_id}/status?message_id=<ours>``;
  HTTP Basic ``AccountSid:AuthToken``. The JSON answer gives ``sid`` and ``status``.
- Errors (https://www.twilio.com/docs/api/errors): 429 (with ``Retry-After``), 5xx, timeouts and
  connection errors are :class:`TransientProviderError`; any other 4xx is a
  :class:`PermanentProviderError` carrying Twilio's ``code`` (21211 invalid ``To``, 21610
  unsubscribed recipient, 20003 bad credentials ...). Twilio's ``message`` text is not kept: it
  may quote the phone number.
- Lookup: Twilio has no idempotency key, so crash recovery lists
  ``GET .../Messages.json?To=&From=&DateSent>=<day of since>`` (``From`` left out with a
  messaging service, which picks the sender) and matches the exact body sent at or after
  ``since``. Limits: only the first page (:data:`LOOKUP_PAGE_SIZE` newest messages to that
  number) is read, and two identical bodies to one number in the same window cannot be told apart
  (the newest is taken) - a resend after a ``None`` can therefore duplicate a message Twilio
  accepted but has not listed yet (its list is eventually consistent by a few seconds).
"""

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from prm.adapters.communications.providers.callbacks import TWILIO, TWILIO_ERRORS, TWILIO_STATUSES
from prm.adapters.communications.providers.http_errors import retry_after, transport_error
from prm.application.communications.contracts import (
    MessageProvider,
    OutgoingMessage,
    PermanentProviderError,
    ProviderReceipt,
    TransientProviderError,
)
from prm.domain.communications.channels import MessageStatus

TWILIO_API = "https://api.twilio.com"
LOOKUP_PAGE_SIZE = 50
CLOCK_SKEW = timedelta(minutes=2)
"""How much earlier than ``since`` Twilio's ``date_created`` may be and still match a lookup."""


def twilio_status_callback_path(tenant_id: object) -> str:
    """Path of the status callback route (written by the messages part)."""
    return f"/api/v1/prm/communications/webhooks/twilio/{tenant_id}/status"


@dataclass(frozen=True, slots=True, kw_only=True)
class TwilioAccount:
    """One Twilio account (or subaccount) and sender; ``auth_token`` never shows in ``repr``."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str | None = None
    messaging_service_sid: str | None = None
    base_url: str = TWILIO_API
    callback_base_url: str | None = None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _receipt(resource: dict[str, Any]) -> ProviderReceipt:
    status = TWILIO_STATUSES.get(str(resource.get("status", "")).lower(), MessageStatus.SENT)
    code = resource.get("error_code")
    error_code = str(code) if code not in (None, "") else None
    return ProviderReceipt(
        provider=TWILIO,
        provider_message_id=str(resource["sid"]),
        status=status,
        error_code=error_code,
        error_message=TWILIO_ERRORS.get(error_code, f"Twilio error {error_code}") if error_code else None,
    )


def _refusal(response: httpx.Response) -> TransientProviderError | PermanentProviderError:
    document = _json(response)
    code = str(document["code"]) if document.get("code") is not None else None
    status = response.status_code
    if status == 429:
        return TransientProviderError(
            f"Twilio rate limit (HTTP 429{f', code {code}' if code else ''})",
            code=code,
            retry_after=retry_after(response),
        )
    if status >= 500:
        return TransientProviderError(f"Twilio answered HTTP {status}", code=code)
    known = TWILIO_ERRORS.get(code or "")
    if code == "20003" or status == 401:
        known = "Twilio refused the account credentials"
    reason = f"{known} (Twilio {code})" if known else f"Twilio refused the message (HTTP {status}, code {code})"
    return PermanentProviderError(reason, code=code)


class TwilioSms(MessageProvider):
    """One tenant's Twilio account behind :class:`MessageProvider` (sms)."""

    name = TWILIO

    def __init__(self, client: httpx.AsyncClient, account: TwilioAccount) -> None:
        self._client = client
        self._account = account
        # URL and headers parsed once: httpx validates a string URL character by character on every request
        self._url = httpx.URL(f"{account.base_url.rstrip('/')}/2010-04-01/Accounts/{account.account_sid}/Messages.json")
        token = base64.b64encode(f"{account.account_sid}:{account.auth_token}".encode()).decode()
        self._auth = httpx.Headers({"Authorization": f"Basic {token}", "Accept": "application/json"})
        self._post_headers = httpx.Headers({**self._auth, "Content-Type": "application/x-www-form-urlencoded"})

    def status_callback_url(self, message: OutgoingMessage) -> str | None:
        base = self._account.callback_base_url
        if not base:
            return None
        return f"{base.rstrip('/')}{twilio_status_callback_path(message.tenant_id)}?message_id={message.message_id}"

    def _form(self, message: OutgoingMessage) -> dict[str, str]:
        form = {"To": message.to, "Body": message.body}
        if self._account.messaging_service_sid:
            form["MessagingServiceSid"] = self._account.messaging_service_sid
        if self._account.from_number:
            form["From"] = self._account.from_number
        callback = self.status_callback_url(message)
        if callback is not None:
            form["StatusCallback"] = callback
        return form

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        content = urlencode(self._form(message)).encode()
        try:
            response = await self._client.post(self._url, content=content, headers=self._post_headers)
        except httpx.HTTPError as exc:
            raise transport_error("Twilio", exc) from exc
        if not response.is_success:
            raise _refusal(response)
        resource = _json(response)
        if not resource.get("sid"):
            raise TransientProviderError(f"Twilio answered HTTP {response.status_code} without a message sid")
        return _receipt(resource)

    async def lookup(self, message: OutgoingMessage, *, since: datetime) -> ProviderReceipt | None:
        """The newest message Twilio lists to ``message.to`` (from our sender) with the same body,
        created at or after ``since`` (less :data:`CLOCK_SKEW`); see the module's limits."""
        params = {
            "To": message.to,
            "DateSent>": since.astimezone(UTC).date().isoformat(),
            "PageSize": str(LOOKUP_PAGE_SIZE),
        }
        if self._account.from_number and not self._account.messaging_service_sid:
            params["From"] = self._account.from_number
        try:
            response = await self._client.get(self._url, params=params, headers=self._auth)
        except httpx.HTTPError as exc:
            raise transport_error("Twilio", exc) from exc
        if not response.is_success:
            refusal = _refusal(response)
            raise TransientProviderError(f"lookup failed: {refusal.reason}", code=refusal.code)
        earliest = since - CLOCK_SKEW
        for resource in _json(response).get("messages") or []:
            if not isinstance(resource, dict) or resource.get("body") != message.body or not resource.get("sid"):
                continue
            created = _created(resource)
            if created is None or created >= earliest:
                return _receipt(resource)
        return None


def _created(resource: dict[str, Any]) -> datetime | None:
    raw = resource.get("date_created")
    if not isinstance(raw, str):
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
