"""Pytest fixtures of the loopback providers: import them into a test module
(``from tests.providers.fixtures import twilio_server``) and ask for them by name. Each test gets
servers of its own, stopped after it."""

from collections.abc import Iterator

import pytest

from tests.providers.smtp import SmtpServer
from tests.providers.twilio import TwilioServer
from tests.providers.whatsapp import WhatsAppServer


@pytest.fixture
def twilio_server() -> Iterator[TwilioServer]:
    with TwilioServer() as server:
        yield server


@pytest.fixture
def whatsapp_server() -> Iterator[WhatsAppServer]:
    with WhatsAppServer() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_server_with_auth() -> Iterator[SmtpServer]:
    with SmtpServer(username="prm", password="loopback-password") as server:
        yield server
