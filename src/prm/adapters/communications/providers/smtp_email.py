"""Email over SMTP (RFC 5321) with aiosmtplib, one connection per message.

- The message: ``From`` (the tenant's ``from_address``), ``To``, ``Subject``, ``Date`` and
  ``Message-ID: <{message_id}@{domain of from_address}>``: the same on every attempt, so a copy
  resent after a crash is recognisable (and collapsed by many mail clients); a text body.
- Security: STARTTLS (RFC 3207, port 587, the default), implicit TLS (RFC 8314, port 465) or none
  (loopback relays); AUTH with ``smtp_username``/``smtp_password`` when set.
- Errors: connection failures, timeouts and 4xx replies (``451 4.3.0``, greylisting) are
  :class:`TransientProviderError`; 5xx replies (``550 5.1.1`` no such user, ``535`` bad
  credentials) are :class:`PermanentProviderError` with the reply code. Reply texts are not kept:
  they often quote the address.
- ``lookup`` returns ``None``: SMTP cannot tell what a relay accepted. A resend carries the same
  ``Message-ID``.
"""

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from prm.application.communications.contracts import (
    MessageProvider,
    OutgoingMessage,
    PermanentProviderError,
    ProviderReceipt,
    TransientProviderError,
)
from prm.application.shared.ports import Clock
from prm.domain.communications.channels import MessageStatus
from prm.domain.communications.providers import DEFAULT_SMTP_PORT, SmtpSecurity

SMTP = "smtp"
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpAccount:
    """A submission server and the sender; the password never shows in ``repr``."""

    host: str
    from_address: str
    port: int = DEFAULT_SMTP_PORT
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    validate_certs: bool = True

    @property
    def domain(self) -> str:
        return self.from_address.rsplit("@", 1)[-1].lower()


def message_id_header(message: OutgoingMessage, domain: str) -> str:
    return f"<{message.message_id}@{domain}>"


class SmtpEmail(MessageProvider):
    """One tenant's SMTP submission account behind :class:`MessageProvider` (email)."""

    name = SMTP

    def __init__(self, account: SmtpAccount, clock: Clock) -> None:
        self._account = account
        self._clock = clock

    def email(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._account.from_address
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = format_datetime(self._clock.now())
        email["Message-ID"] = message_id_header(message, self._account.domain)
        email.set_content(message.body)
        return email

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        account = self._account
        email = self.email(message)
        try:
            await aiosmtplib.send(
                email,
                hostname=account.host,
                port=account.port,
                username=account.username,
                password=account.password,
                use_tls=account.security is SmtpSecurity.TLS,
                start_tls=account.security is SmtpSecurity.STARTTLS,
                validate_certs=account.validate_certs,
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise _reply_error(min(codes) if codes else 550) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _reply_error(exc.code) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:  # connect, timeout, disconnect, TLS
            raise TransientProviderError(f"SMTP connection error ({type(exc).__name__})") from exc
        return ProviderReceipt(
            provider=SMTP, provider_message_id=str(email["Message-ID"]).strip("<>"), status=MessageStatus.SENT
        )

    async def lookup(self, message: OutgoingMessage, *, since: datetime) -> ProviderReceipt | None:
        """Always ``None`` (SMTP cannot tell); a resend carries the same ``Message-ID``."""
        return None


def _reply_error(code: int) -> TransientProviderError | PermanentProviderError:
    if 400 <= code < 500:
        return TransientProviderError(f"SMTP server answered {code}", code=str(code))
    return PermanentProviderError(f"SMTP server refused the message ({code})", code=str(code))
