"""An SMTP server on loopback (aiosmtpd's threaded ``Controller``) that records every message it
accepts, optionally requires AUTH (PLAIN/LOGIN, without TLS on loopback), and can answer the next
messages with an SMTP error (``451 4.3.0`` transient, ``550 5.1.1`` permanent ...)."""

import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


def _bytes(content: bytes | str | None) -> bytes:
    return content.encode() if isinstance(content, str) else bytes(content or b"")


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    authenticated_as: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    """Start with :meth:`start` (or as a context manager); ``host``/``port`` then say where."""

    username: str | None = None
    password: str | None = None
    host: str = HOST
    port: int = 0
    received: list[ReceivedMail] = field(default_factory=list)
    _replies: deque[str] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def reply_next(self, reply: str, count: int = 1) -> None:
        """Answer the next ``count`` messages' DATA with ``reply`` (``"451 4.3.0 Try again later"``)."""
        with self._lock:
            self._replies.extend([reply] * count)

    # aiosmtpd handler hooks
    async def handle_MAIL(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.username is not None and not session.authenticated:  # AUTH required (without TLS, on loopback)
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        with self._lock:
            if self._replies:
                return self._replies.popleft()
            login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
            self.received.append(
                ReceivedMail(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    content=_bytes(envelope.original_content or envelope.content),
                    authenticated_as=login.decode() if isinstance(login, bytes) else None,
                )
            )
        return "250 2.0.0 Message accepted for delivery"

    def _authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self) -> Self:
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]
        auth: dict[str, Any] = {}
        if self.username is not None:
            auth = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self, hostname=self.host, port=self.port, **auth)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
