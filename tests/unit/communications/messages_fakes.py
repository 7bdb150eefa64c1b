"""Fakes of the ports the messages part uses (unit tests only)."""

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from prm.application.communications.contracts import (
    MessageProvider,
    OutgoingMessage,
    PatientContact,
    PatientContacts,
    ProviderDirectory,
    ProviderReceipt,
    RenderedMessage,
    SendDecision,
    SendPolicy,
    SendRequestFacts,
    TemplateRenderer,
)
from prm.application.communications.messages_ports import Jitter, MessageRepository
from prm.domain.communications.channels import Channel, MessageStatus
from prm.domain.communications.errors import TemplateNotFound, TemplateRenderFailed
from prm.domain.communications.messages import UNSENT, Attempt, Message, MessageId
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId


class InMemoryMessages(MessageRepository):
    """Stores copies, as a database would: a caller's object changes nothing until saved."""

    def __init__(self) -> None:
        self.rows: dict[MessageId, Message] = {}
        self.attempts: dict[tuple[MessageId, int], Attempt] = {}
        self.callbacks: list[tuple[MessageId | None, MessageStatus, bool]] = []

    def _out(self, message: Message) -> Message:
        return copy.deepcopy(message)

    async def add(self, message: Message) -> None:
        self.rows[message.id] = copy.deepcopy(message)
        self.rows[message.id].events = []

    async def get(self, message_id: MessageId) -> Message | None:
        found = self.rows.get(message_id)
        return self._out(found) if found else None

    async def by_dedup_key(self, dedup_key: str) -> Message | None:
        return next((self._out(m) for m in self.rows.values() if m.dedup_key == dedup_key), None)

    async def by_provider_id(self, provider: str, provider_message_id: str) -> Message | None:
        return next(
            (
                self._out(m)
                for m in self.rows.values()
                if (m.provider, m.provider_message_id) == (provider, provider_message_id)
            ),
            None,
        )

    async def save(self, message: Message, *, expected_version: int) -> None:
        await self.save_many([(message, expected_version)])

    async def save_many(self, messages: Sequence[tuple[Message, int]]) -> None:
        for message, expected in messages:
            if self.rows[message.id].version != expected:
                raise StaleVersion("changed meanwhile")
        for message, expected in messages:
            message.version = expected + 1
            stored = copy.deepcopy(message)
            stored.events = []
            self.rows[message.id] = stored

    async def remove(self, message_id: MessageId) -> None:
        self.rows.pop(message_id, None)

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Message]:
        due = [
            m
            for m in self.rows.values()
            if m.status in (MessageStatus.QUEUED, MessageStatus.SCHEDULED) and m.due_at and m.due_at <= now
        ]
        return [self._out(m) for m in sorted(due, key=lambda m: m.due_at or now)[:limit]]

    async def claim_stale(self, now: datetime, limit: int) -> Sequence[Message]:
        stale = [m for m in self.rows.values() if m.status is MessageStatus.SENDING and m.due_at and m.due_at <= now]
        return [self._out(m) for m in stale[:limit]]

    async def lock(self, message_ids: Sequence[MessageId]) -> Sequence[Message]:
        return [self._out(self.rows[i]) for i in message_ids if i in self.rows]

    async def earliest_due(self) -> datetime | None:
        due = [m.due_at for m in self.rows.values() if m.status in (MessageStatus.QUEUED, MessageStatus.SCHEDULED)]
        return min((d for d in due if d), default=None)

    async def unsent_of_appointment(self, appointment_id: UUID, categories: Sequence[str]) -> Sequence[Message]:
        return [
            self._out(m)
            for m in self.rows.values()
            if m.appointment_id == appointment_id and m.category in categories and m.status in UNSENT
        ]

    async def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        for a in attempts:
            self.attempts[(a.message_id, a.number)] = copy.deepcopy(a)

    async def save_attempts(self, attempts: Sequence[Attempt]) -> None:
        await self.add_attempts(attempts)

    async def last_attempts(self, message_ids: Sequence[MessageId]) -> Mapping[MessageId, Attempt]:
        found: dict[MessageId, Attempt] = {}
        for (message_id, _), attempt in sorted(self.attempts.items(), key=lambda kv: kv[0][1]):
            if message_id in message_ids:
                found[message_id] = copy.deepcopy(attempt)
        return found

    async def record_callback(self, *, message_id: MessageId | None, status: MessageStatus, applied: bool,
                              **_: object) -> None:  # fmt: skip
        self.callbacks.append((message_id, status, applied))


class ScriptedProvider(MessageProvider):
    """Answers each ``send`` with the next of ``script`` (a receipt status or an exception to
    raise; the last repeats); ``accepted`` keeps what it took, by message id, once each."""

    def __init__(self, *script: MessageStatus | Exception, name: str = "fake") -> None:
        self.name = name
        self.script = list(script) or [MessageStatus.SENT]
        self.calls: list[OutgoingMessage] = []
        self.accepted: dict[UUID, OutgoingMessage] = {}
        self.lookups = 0

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        self.calls.append(message)
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        self.accepted.setdefault(message.message_id, message)
        return ProviderReceipt(provider=self.name, provider_message_id=f"P-{message.message_id}", status=step)

    async def lookup(self, message: OutgoingMessage, *, since: datetime) -> ProviderReceipt | None:
        self.lookups += 1
        if message.message_id not in self.accepted:
            return None
        return ProviderReceipt(
            provider=self.name, provider_message_id=f"P-{message.message_id}", status=MessageStatus.SENT
        )


class OneProvider(ProviderDirectory):
    def __init__(self, provider: MessageProvider) -> None:
        self.provider = provider

    async def for_channel(self, channel: Channel) -> MessageProvider:
        return self.provider


class ScriptedPolicy(SendPolicy):
    """Allows everything but what ``decisions`` names by recipient."""

    def __init__(self, decisions: Mapping[str, SendDecision] | None = None) -> None:
        self.decisions = dict(decisions or {})
        self.asked: list[SendRequestFacts] = []

    async def decide(self, facts: SendRequestFacts) -> SendDecision:
        self.asked.append(facts)
        return self.decisions.get(facts.recipient, SendDecision(allowed=True))


class InMemoryContacts(PatientContacts):
    def __init__(self, *contacts: PatientContact) -> None:
        self.contacts = {c.patient_id: c for c in contacts}

    async def get(self, patient_id: PatientId) -> PatientContact | None:
        return self.contacts.get(patient_id)

    async def by_phone(self, phone: str) -> Sequence[PatientId]:
        return [c.patient_id for c in self.contacts.values() if phone in c.phones and c.active]

    async def by_email(self, email: str) -> Sequence[PatientId]:
        return [c.patient_id for c in self.contacts.values() if email in c.emails and c.active]


class FakeRenderer(TemplateRenderer):
    """Knows one template, ``reminder``, needing ``when``; ``{patient_name}`` is filled when given."""

    def __init__(self) -> None:
        self.languages: list[str | None] = []

    async def render(
        self, *, name: str, channel: Channel, language: str | None, variables: Mapping[str, object]
    ) -> RenderedMessage:
        self.languages.append(language)
        if name != "reminder":
            raise TemplateNotFound(f"no template {name}")
        if "when" not in variables:
            raise TemplateRenderFailed("variable 'when' is undefined")
        return RenderedMessage(
            template_id=UUID(int=1),
            template_name=name,
            language=language or "en",
            category="reminder",
            subject=None,
            body=f"Hi {variables.get('patient_name', 'there')}, see you {variables['when']}",
        )


class NoJitter(Jitter):
    def __call__(self, ceiling: timedelta) -> timedelta:
        return ceiling
