"""Loopback provider servers for the communications tests and the benchmark: real servers on
127.0.0.1 that speak Twilio's Messages resource (:class:`TwilioServer`), the WhatsApp Cloud API
(:class:`WhatsAppServer`) and SMTP (:class:`SmtpServer`, aiosmtpd), record what they receive,
inject faults (:mod:`tests.providers.server`) and make signed callbacks (:class:`SignedRequest`).
Fixtures: :mod:`tests.providers.fixtures`."""

from tests.providers.server import LoopbackServer, SignedRequest
from tests.providers.smtp import ReceivedMail, SmtpServer
from tests.providers.twilio import TwilioMessage, TwilioServer
from tests.providers.whatsapp import WhatsAppMessage, WhatsAppServer

__all__ = [
    "LoopbackServer",
    "ReceivedMail",
    "SignedRequest",
    "SmtpServer",
    "TwilioMessage",
    "TwilioServer",
    "WhatsAppMessage",
    "WhatsAppServer",
]
