"""A Twilio Programmable Messaging look-alike on loopback (the Messages resource,
https://www.twilio.com/docs/messaging/api/message-resource).

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded ``To``, ``From`` or
  ``MessagingServiceSid``, ``Body``, ``StatusCallback``; HTTP Basic ``AccountSid:AuthToken``
  (401 with code 20003 otherwise). ``To`` must be E.164 (400, code 21211), a number in
  :attr:`TwilioServer.unsubscribed` is refused with 21610, no ``From``/``MessagingServiceSid``
  is 21603, no ``Body`` 21602. The answer is 201 with the message resource (``sid`` ``SM…``,
  ``status`` ``queued``).
- ``GET`` the same path lists messages, newest first, filtered by ``To``, ``From`` and
  ``DateSent>`` (``YYYY-MM-DD`` or ISO 8601), in Twilio's page shape (``messages``, ``page``,
  ``page_size``, ``next_page_uri``).
- Callbacks, signed with ``X-Twilio-Signature`` as Twilio does: :meth:`status_callback` (to the
  ``StatusCallback`` the message was sent with) and :meth:`inbound` (an SMS from a patient).
"""

import base64
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from prm.adapters.communications.providers.callbacks import twilio_signature
from tests.providers.server import Answer, Counter, LoopbackServer, Request, SignedRequest

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


@dataclass
class TwilioMessage:
    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    date_created: datetime
    status: str = "queued"


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


class TwilioServer(LoopbackServer):
    """The fake Twilio account ``account_sid`` with ``auth_token``; :attr:`messages` holds what it
    accepted, in order."""

    def __init__(self, account_sid: str | None = None, auth_token: str | None = None) -> None:
        super().__init__()
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.messages: list[TwilioMessage] = []
        self.unsubscribed: set[str] = set()
        self._ids = Counter()
        self._messages_lock = threading.Lock()

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def kind_of(self, request: Request) -> str:
        if MESSAGES_PATH.match(request.path):
            return "send" if request.method == "POST" else "lookup"
        return "other"

    def error_document(self, status: int) -> Any:
        code = 20429 if status == 429 else 20500
        return {"code": code, "message": "loopback fault", "more_info": "", "status": status}

    def _error(self, status: int, code: int, message: str) -> Answer:
        return Answer(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def _authorised(self, request: Request, sid: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        given = request.headers.get("authorization", "")
        return sid == self.account_sid and secrets.compare_digest(given, f"Basic {expected}")

    def handle(self, request: Request) -> Answer:
        match = MESSAGES_PATH.match(request.path)
        if match is None:
            return self._error(404, 20404, "The requested resource was not found")
        if not self._authorised(request, match["sid"]):
            return self._error(401, 20003, "Authenticate")
        if request.method == "GET":
            return self._list(request)
        if request.method != "POST":
            return self._error(405, 20004, "Method not allowed")
        form = request.form()
        to = form.get("To", "")
        if not E164.match(to):
            return self._error(400, 21211, f"Invalid 'To' Phone Number: {'*' * len(to)}")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return self._error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required")
        if to in self.unsubscribed:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        message = TwilioMessage(
            sid=f"SM{self._ids.next():032x}",
            to=to,
            from_=form.get("From"),
            messaging_service_sid=form.get("MessagingServiceSid"),
            body=form["Body"],
            status_callback=form.get("StatusCallback"),
            date_created=datetime.now(UTC),
        )
        with self._messages_lock:
            self.messages.append(message)
        return Answer(201, self._resource(message))

    def _resource(self, message: TwilioMessage) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": message.body,
            "date_created": _rfc2822(message.date_created),
            "date_sent": _rfc2822(message.date_created),
            "date_updated": _rfc2822(message.date_created),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": message.sid,
            "status": message.status,
            "to": message.to,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json",
        }

    def _list(self, request: Request) -> Answer:
        query = request.query
        since = _parse_since(query.get("DateSent>") or query.get("DateSent>="))
        with self._messages_lock:
            found = [
                m
                for m in reversed(self.messages)
                if (not query.get("To") or m.to == query["To"])
                and (not query.get("From") or m.from_ == query["From"])
                and (since is None or m.date_created >= since)
            ]
        size = int(query.get("PageSize", "50"))
        return Answer(
            200,
            {
                "messages": [self._resource(m) for m in found[:size]],
                "page": 0,
                "page_size": size,
                "first_page_uri": request.path,
                "next_page_uri": None,
                "previous_page_uri": None,
                "uri": request.path,
                "start": 0,
                "end": min(size, len(found)),
            },
        )

    # -- callbacks

    def message(self, sid: str) -> TwilioMessage:
        with self._messages_lock:
            return next(m for m in self.messages if m.sid == sid)

    def status_callback(
        self, sid: str, status: str, *, error_code: str | None = None, url: str | None = None
    ) -> SignedRequest:
        """The signed status callback Twilio would post for message ``sid`` (to the message's
        ``StatusCallback`` unless ``url`` is given)."""
        message = self.message(sid)
        target = url or message.status_callback
        if target is None:
            raise ValueError("the message was sent without a StatusCallback; pass url")
        message.status = status
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": message.from_ or "",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message.to,
        }
        if message.messaging_service_sid:
            form["MessagingServiceSid"] = message.messaging_service_sid
        if error_code is not None:
            form["ErrorCode"] = error_code
        return self.signed(target, form)

    def inbound(self, url: str, *, sender: str, recipient: str, body: str, sid: str | None = None) -> SignedRequest:
        """The signed webhook Twilio posts when ``sender`` texts ``body`` to our number ``recipient``."""
        sid = sid or f"SM{secrets.token_hex(16)}"
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": sender,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": recipient,
        }
        return self.signed(url, form)

    def signed(self, url: str, form: dict[str, str]) -> SignedRequest:
        return SignedRequest(
            url=url,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_signature(url, form, self.auth_token),
                "User-Agent": "TwilioProxy/1.1",
            },
            content=urlencode(form).encode(),
        )


def _parse_since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    raw = raw.lstrip("=")
    if len(raw) == 10:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
