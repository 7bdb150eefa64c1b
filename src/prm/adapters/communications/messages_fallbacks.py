"""Stand-ins for ports other parts of the communications context provide, so that the messages
part runs before they land. Each is wired by :mod:`prm.ioc.communications_messages` only while
no other provider supplies the port.

- :class:`SinkProviderDirectory` (until the providers part lands): every channel goes to an
  in-process sink that accepts each message once (by its id) and reports it ``delivered``.
- :class:`AllowEverything` (until the consent part lands): every message may go now.
"""

from datetime import datetime

from prm.application.communications.contracts import (
    MessageProvider,
    OutgoingMessage,
    ProviderDirectory,
    ProviderReceipt,
    SendDecision,
    SendPolicy,
    SendRequestFacts,
)
from prm.domain.communications.channels import Channel, MessageStatus


class _Sink(MessageProvider):  # until the providers part lands
    name = "local"

    def __init__(self) -> None:
        self.sent: dict[str, OutgoingMessage] = {}

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        key = str(message.message_id)
        self.sent.setdefault(key, message)
        return ProviderReceipt(provider=self.name, provider_message_id=f"local-{key}", status=MessageStatus.DELIVERED)

    async def lookup(self, message: OutgoingMessage, *, since: datetime) -> ProviderReceipt | None:
        key = str(message.message_id)
        if key not in self.sent:
            return None
        return ProviderReceipt(provider=self.name, provider_message_id=f"local-{key}", status=MessageStatus.DELIVERED)


class SinkProviderDirectory(ProviderDirectory):  # until the providers part lands
    """One process-wide sink for every channel (APP scope)."""

    def __init__(self) -> None:
        self._sink = _Sink()

    async def for_channel(self, channel: Channel) -> MessageProvider:
        return self._sink


class AllowEverything(SendPolicy):  # until the consent part lands
    async def decide(self, facts: SendRequestFacts) -> SendDecision:
        return SendDecision(allowed=True)
