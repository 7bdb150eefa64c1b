"""A WhatsApp Cloud API look-alike on loopback
(https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).

- ``POST /{version}/{phone-number-id}/messages`` with ``Authorization: Bearer <token>`` (401,
  Graph error 190 otherwise), JSON ``messaging_product: whatsapp``, ``to`` (digits, optionally
  with ``+``: 400, code 100 otherwise), ``type`` ``text`` (``text.body``) or ``template``
  (``template.name``, ``template.language.code``); a number in :attr:`WhatsAppServer.rejected`
  is refused with its Graph code (131026 undeliverable, 131047 re-engagement ...). The answer is
  ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid…"}]}``.
- Webhooks, signed with ``X-Hub-Signature-256`` as Meta does: :meth:`status_webhook` and
  :meth:`inbound_webhook`, in the ``whatsapp_business_account`` notification shape.
"""

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from prm.adapters.communications.providers.callbacks import meta_signature
from tests.providers.server import Answer, Counter, LoopbackServer, Request, SignedRequest

MESSAGES_PATH = re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<phone_number_id>[^/]+)/messages$")
DIGITS = re.compile(r"^\+?[1-9]\d{6,14}$")


@dataclass
class WhatsAppMessage:
    id: str
    to: str
    type: str
    document: dict[str, Any]
    opaque: str | None

    @property
    def body(self) -> str | None:
        text = self.document.get("text")
        return text.get("body") if isinstance(text, dict) else None


class WhatsAppServer(LoopbackServer):
    """A business phone number ``phone_number_id`` (display number ``display_phone_number``) of
    an app with ``access_token`` and ``app_secret``; :attr:`messages` holds what it accepted."""

    def __init__(
        self,
        access_token: str | None = None,
        app_secret: str | None = None,
        phone_number_id: str = "106540352242922",
        display_phone_number: str = "15550783881",
    ) -> None:
        super().__init__()
        self.access_token = access_token or "EAAG" + secrets.token_hex(20)
        self.app_secret = app_secret or secrets.token_hex(16)
        self.phone_number_id = phone_number_id
        self.display_phone_number = display_phone_number
        self.messages: list[WhatsAppMessage] = []
        self.rejected: dict[str, int] = {}
        self._ids = Counter()
        self._messages_lock = threading.Lock()

    def kind_of(self, request: Request) -> str:
        return "send" if MESSAGES_PATH.match(request.path) and request.method == "POST" else "other"

    def error_document(self, status: int) -> Any:
        code = 130429 if status == 429 else 131000
        return self._graph_error(code, "loopback fault", "OAuthException" if status == 429 else "GraphMethodException")

    @staticmethod
    def _graph_error(code: int, message: str, kind: str = "OAuthException") -> dict[str, Any]:
        return {
            "error": {
                "message": message,
                "type": kind,
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": message},
                "fbtrace_id": secrets.token_urlsafe(12),
            }
        }

    def handle(self, request: Request) -> Answer:
        match = MESSAGES_PATH.match(request.path)
        if match is None or request.method != "POST":
            return Answer(404, self._graph_error(100, "Unsupported request", "GraphMethodException"))
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return Answer(401, self._graph_error(190, "Invalid OAuth access token - Cannot parse access token"))
        if match["phone_number_id"] != self.phone_number_id:
            return Answer(400, self._graph_error(100, "Unsupported post request: unknown phone number id"))
        try:
            document = request.json()
        except ValueError:
            return Answer(400, self._graph_error(100, "Invalid JSON"))
        if not isinstance(document, dict) or document.get("messaging_product") != "whatsapp":
            return Answer(400, self._graph_error(100, "(#100) The parameter messaging_product is required."))
        to = str(document.get("to", ""))
        if not DIGITS.match(to):
            return Answer(400, self._graph_error(100, "(#100) Invalid parameter: to"))
        kind = document.get("type", "text")
        if kind == "text" and not (document.get("text") or {}).get("body"):
            return Answer(400, self._graph_error(100, "(#100) The parameter text['body'] is required."))
        if kind == "template":
            template = document.get("template") or {}
            if not template.get("name") or not (template.get("language") or {}).get("code"):
                return Answer(400, self._graph_error(100, "(#100) The parameter template is incomplete."))
        if kind not in ("text", "template"):
            return Answer(400, self._graph_error(100, "(#100) Unsupported message type"))
        digits = to.removeprefix("+")
        if digits in self.rejected:
            return Answer(400, self._graph_error(self.rejected[digits], "(#131026) Message undeliverable"))
        message = WhatsAppMessage(
            id=f"wamid.HBgL{self._ids.next():024X}",
            to=digits,
            type=kind,
            document=document,
            opaque=document.get("biz_opaque_callback_data"),
        )
        with self._messages_lock:
            self.messages.append(message)
        return Answer(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": digits}],
                "messages": [{"id": message.id, "message_status": "accepted"}],
            },
        )

    # -- webhooks

    def message(self, wamid: str) -> WhatsAppMessage:
        with self._messages_lock:
            return next(m for m in self.messages if m.id == wamid)

    def _notification(self, value: dict[str, Any]) -> dict[str, Any]:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": self.display_phone_number, "phone_number_id": self.phone_number_id},
            **value,
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
        }

    def status_webhook(
        self,
        url: str,
        wamid: str,
        status: str,
        *,
        error_code: int | None = None,
        timestamp: int | None = None,
    ) -> SignedRequest:
        """The signed notification Meta posts when message ``wamid`` becomes ``status``
        (sent, delivered, read, failed); ``error_code`` adds an ``errors`` entry."""
        message = self.message(wamid)
        entry: dict[str, Any] = {
            "id": wamid,
            "status": status,
            "timestamp": str(timestamp or int(time.time())),
            "recipient_id": message.to,
        }
        if message.opaque is not None:
            entry["biz_opaque_callback_data"] = message.opaque
        if status != "failed":
            entry["conversation"] = {"id": secrets.token_hex(16), "origin": {"type": "utility"}}
            entry["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility"}
        if error_code is not None:
            entry["errors"] = [
                {
                    "code": error_code,
                    "title": "Message undeliverable",
                    "message": "Message undeliverable",
                    "error_data": {"details": "Message failed to send."},
                }
            ]
        return self.signed(url, self._notification({"statuses": [entry]}))

    def inbound_webhook(
        self,
        url: str,
        *,
        sender: str,
        body: str | None = None,
        kind: str = "text",
        context_id: str | None = None,
        wamid: str | None = None,
        timestamp: int | None = None,
    ) -> SignedRequest:
        """The signed notification Meta posts when ``sender`` (E.164 or digits) writes to the
        business number: a ``text`` with ``body``, or another ``kind`` (``image`` ...)."""
        digits = sender.removeprefix("+")
        message: dict[str, Any] = {
            "from": digits,
            "id": wamid or f"wamid.IN{secrets.token_hex(12).upper()}",
            "timestamp": str(timestamp or int(time.time())),
            "type": kind,
        }
        if kind == "text":
            message["text"] = {"body": body or ""}
        else:
            message[kind] = {"id": secrets.token_hex(8), "mime_type": "application/octet-stream"}
        if context_id is not None:
            message["context"] = {"from": self.display_phone_number, "id": context_id}
        value = {"contacts": [{"profile": {"name": "Patient"}, "wa_id": digits}], "messages": [message]}
        return self.signed(url, self._notification(value))

    def signed(self, url: str, document: dict[str, Any]) -> SignedRequest:
        raw = json.dumps(document, separators=(",", ":")).encode()
        return SignedRequest(
            url=url,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": meta_signature(raw, self.app_secret),
                "User-Agent": "facebookexternalua",
            },
            content=raw,
        )
