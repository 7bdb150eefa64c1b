"""Sending, effectively once: the ``communications.dispatch`` job and crash recovery.

The messages table is the queue. One dispatch works in batches, each in two transactions with
the provider calls between them, outside any transaction:

1. **claim** (tx 1): lock up to ``batch_size`` due messages (skipping those another worker
   holds), ask the :class:`SendPolicy` about each (blocked -> ``blocked`` with the reason;
   deferred -> ``scheduled`` at ``not_before``), mark the rest ``sending`` with an attempt row
   (number, ``started_at``) and a lease (``due_at`` = now + ``lease``), and commit;
2. **send**: call the providers, ``concurrency`` at once; each call is one
   :meth:`MessageProvider.send`, whose idempotency key is the message id;
3. **record** (tx 2): lock the messages again (a status callback may have come meanwhile) and
   write every outcome: ``sent`` with the provider's id; back to ``queued``/``scheduled`` after
   the backoff for a :class:`TransientProviderError` (its ``retry_after``, else exponential with
   full jitter), ``failed`` after :data:`~prm.domain.communications.messages.MAX_ATTEMPTS`;
   ``failed`` at once for a :class:`PermanentProviderError`. A provider that raised anything
   else leaves its message ``sending``: whether it went is unknown, and recovery finds out.

**Recovery** (:class:`RecoverMessages`, every 30 s and at the start of each dispatch): a message
still ``sending`` after its lease (the worker died between tx 1 and tx 2) is looked up at the
provider (:meth:`MessageProvider.lookup`, since the attempt started). Found: ``sent`` with its id,
without sending again. Not found: ``queued`` again, and sent with the same idempotency key.
The lease is extended before the look-up, so two recoveries do not race.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from prm.application.communications.contracts import (
    MessageProvider,
    OutgoingMessage,
    PatientContacts,
    PermanentProviderError,
    ProviderDirectory,
    ProviderReceipt,
    SendPolicy,
    SendRequestFacts,
    TransientProviderError,
)
from prm.application.communications.messages_ports import DispatchSettings, Jitter, MessageRepository
from prm.application.communications.messages_queue import PATIENT_INACTIVE, schedule_dispatch
from prm.application.shared.jobs import JobHandler, JobScheduler
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.communications.channels import PROGRESS_ORDER, Channel, MessageStatus
from prm.domain.communications.messages import Attempt, Message, MessageId
from prm.domain.shared.ids import PatientId

log = structlog.get_logger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


def backoff_ceiling(attempt: int) -> timedelta:
    """The most to wait after failed attempt ``attempt`` (1-based): 30 s doubling, at most an hour."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (1 << min(max(0, attempt - 1), 16)))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message marked ``sending`` in tx 1, with its attempt and what to hand to the provider."""

    message: Message
    attempt: Attempt
    outgoing: OutgoingMessage


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one provider call gave: a receipt, a provider error, or ``unknown`` (it raised
    something else: the message stays ``sending`` for recovery)."""

    claimed: Claimed
    provider: str
    receipt: ProviderReceipt | None = None
    error: TransientProviderError | PermanentProviderError | None = None
    unknown: str | None = None


def outgoing_of(message: Message, attempt: int) -> OutgoingMessage:
    return OutgoingMessage(
        message_id=message.id,
        tenant_id=message.tenant_id,
        channel=message.channel,
        to=message.recipient,
        subject=message.subject,
        body=message.body,
        attempt=attempt,
    )


def apply_receipt(message: Message, receipt: ProviderReceipt, now: datetime) -> None:
    """``sent`` with the provider's id, then further if the provider already knows more (the
    local sink answers ``delivered``)."""
    message.mark_sent(receipt.provider, receipt.provider_message_id, now)
    if receipt.status is MessageStatus.FAILED or PROGRESS_ORDER.get(receipt.status, 0) > 1:
        message.apply_callback(
            receipt.status, now, now, error_code=receipt.error_code, error_message=receipt.error_message
        )


class DispatchMessages(JobHandler):
    """The ``communications.dispatch`` job (args ``{}``): recover, then send due messages in
    batches (see the module) until none is due or ``batches_per_job`` batches went; then
    schedule itself again if more are due now, or at the next scheduled message's time. Its
    unit of work commits once per transaction of each batch.

    :meth:`claim`, :meth:`send` and :meth:`record` are the three steps, public so that a crash
    between them can be reproduced (and a benchmark can drive them)."""

    def __init__(
        self,
        messages: MessageRepository,
        providers: ProviderDirectory,
        policy: SendPolicy,
        contacts: PatientContacts,
        recover: "RecoverMessages",
        scheduler: JobScheduler,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        jitter: Jitter,
        settings: DispatchSettings,
    ) -> None:
        self._messages = messages
        self._providers = providers
        self._policy = policy
        self._contacts = contacts
        self._recover = recover
        self._scheduler = scheduler
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._jitter = jitter
        self._settings = settings
        self._by_channel: dict[Channel, MessageProvider] = {}

    async def __call__(self, args: Mapping[str, Any]) -> None:
        await self._recover.recover_stale()
        full = False
        for _ in range(self._settings.batches_per_job):
            claimed, taken = await self.claim()
            if claimed:
                await self.record(await self.send(claimed))
            full = taken >= self._settings.batch_size
            if not full:
                break
        now = self._clock.now()
        if full:
            schedule_dispatch(self._scheduler, None, now)
        upcoming = await self._messages.earliest_due()
        if upcoming is not None and upcoming > now:  # due ones not taken are another worker's
            schedule_dispatch(self._scheduler, upcoming, now)
        await self._uow.commit()

    async def claim(self) -> tuple[list[Claimed], int]:
        """Tx 1: returns the messages to send now and how many due ones were taken (sent,
        blocked or deferred); commits."""
        now = self._clock.now()
        due = await self._messages.claim_due(now, self._settings.batch_size)
        changed: list[tuple[Message, int]] = []
        claimed: list[Claimed] = []
        inactive = await self._inactive({m.patient_id for m in due if m.patient_id is not None})
        active = [m for m in due if m.patient_id not in inactive]
        decisions = await self._policy.decide_many(
            [
                SendRequestFacts(
                    patient_id=m.patient_id,
                    channel=m.channel,
                    recipient=m.recipient,
                    category=m.category,
                    event_type=m.event_type,
                    due_at=m.due_at or now,
                )
                for m in active
            ]
        )
        decided = {m.id: d for m, d in zip(active, decisions, strict=True)}
        for message in due:
            version = message.version
            changed.append((message, version))
            decision = decided.get(message.id)
            if decision is None:
                message.block(PATIENT_INACTIVE, now)
                continue
            if not decision.allowed:
                message.block(decision.reason or "not_allowed", now)
                continue
            if decision.not_before is not None and decision.not_before > now:
                message.defer(decision.not_before, decision.reason, now)
                schedule_dispatch(self._scheduler, decision.not_before, now)
                continue
            await self._provider(message.channel)  # resolved now: no query between the transactions
            number = message.start_attempt(now, self._settings.lease)
            attempt = Attempt(tenant_id=message.tenant_id, message_id=message.id, number=number, started_at=now)
            claimed.append(Claimed(message, attempt, outgoing_of(message, number)))
        await self._messages.save_many(changed)
        await self._messages.add_attempts([c.attempt for c in claimed])
        await self._publish([m for m, _ in changed])
        await self._uow.commit()
        return claimed, len(due)

    async def send(self, claimed: Sequence[Claimed]) -> list[Outcome]:
        """The provider calls, ``concurrency`` at once, outside any transaction."""
        gate = asyncio.Semaphore(self._settings.concurrency)

        async def one(item: Claimed) -> Outcome:
            provider = await self._provider(item.message.channel)
            async with gate:
                try:
                    receipt = await provider.send(item.outgoing)
                except (TransientProviderError, PermanentProviderError) as error:
                    return Outcome(item, provider.name, error=error)
                except Exception as error:  # noqa: BLE001 - outcome unknown: recovery will look it up
                    return Outcome(item, provider.name, unknown=type(error).__name__)
            return Outcome(item, provider.name, receipt=receipt)

        return list(await asyncio.gather(*(one(c) for c in claimed)))

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Tx 2: every outcome, on the messages as they are now; commits."""
        now = self._clock.now()
        current = {m.id: m for m in await self._messages.lock([o.claimed.message.id for o in outcomes])}
        changed: list[tuple[Message, int]] = []
        attempts: list[Attempt] = []
        retry_at: datetime | None = None
        for outcome in outcomes:
            message = current.get(outcome.claimed.message.id)
            if message is None:
                continue  # deleted meanwhile
            attempt = outcome.claimed.attempt
            version = message.version
            if outcome.receipt is not None:
                receipt = outcome.receipt
                apply_receipt(message, receipt, now)
                attempt.finish("sent", now, provider=receipt.provider, provider_message_id=receipt.provider_message_id)
            elif isinstance(outcome.error, TransientProviderError):
                wait = outcome.error.retry_after or self._jitter(backoff_ceiling(attempt.number))
                at = now + wait
                if message.status is MessageStatus.SENDING:
                    message.retry(at, outcome.error.reason, now)
                    if not message.is_final:
                        retry_at = min(retry_at, at) if retry_at else at
                attempt.finish("retry", now, provider=outcome.provider, error_code=outcome.error.code,
                               error=outcome.error.reason)  # fmt: skip
            elif isinstance(outcome.error, PermanentProviderError):
                if message.status is MessageStatus.SENDING:
                    message.fail(outcome.error.reason, now, error_code=outcome.error.code)
                attempt.finish("failed", now, provider=outcome.provider, error_code=outcome.error.code,
                               error=outcome.error.reason)  # fmt: skip
            else:
                log.warning("communication.send_outcome_unknown", communication_id=str(message.id),
                            error=outcome.unknown)  # fmt: skip
                continue
            changed.append((message, version))
            attempts.append(attempt)
        await self._messages.save_many(changed)
        await self._messages.save_attempts(attempts)
        await self._publish([m for m, _ in changed])
        if retry_at is not None:
            schedule_dispatch(self._scheduler, retry_at, now)
        await self._uow.commit()
        log.info("communications.dispatched", messages=len(outcomes),
                 sent=sum(1 for o in outcomes if o.receipt is not None))  # fmt: skip

    async def _provider(self, channel: Channel) -> MessageProvider:
        found = self._by_channel.get(channel)
        if found is None:
            found = self._by_channel[channel] = await self._providers.for_channel(channel)
        return found

    async def _inactive(self, patient_ids: set[PatientId]) -> set[PatientId]:
        inactive = set()
        for patient_id in patient_ids:
            contact = await self._contacts.get(patient_id)
            if contact is None or not contact.active:
                inactive.add(patient_id)
        return inactive

    async def _publish(self, messages: Sequence[Message]) -> None:
        events = [e for m in messages for e in m.events]
        for message in messages:
            message.events.clear()
        if events:
            await self._outbox.add(events)


class RecoverMessages(JobHandler):
    """The ``communications.recover`` job (args ``{}``; also the first step of each dispatch):
    settle messages left ``sending`` past their lease (see the module), and schedule a dispatch
    when messages are due (a safety net for a lost job). Commits (twice when it recovers)."""

    def __init__(
        self,
        messages: MessageRepository,
        providers: ProviderDirectory,
        scheduler: JobScheduler,
        outbox: Outbox,
        uow: UnitOfWork,
        clock: Clock,
        settings: DispatchSettings,
    ) -> None:
        self._messages = messages
        self._providers = providers
        self._scheduler = scheduler
        self._outbox = outbox
        self._uow = uow
        self._clock = clock
        self._settings = settings

    async def __call__(self, args: Mapping[str, Any]) -> None:
        now = self._clock.now()
        due = await self._messages.earliest_due()
        if due is not None:
            schedule_dispatch(self._scheduler, due, now)
        await self.recover_stale()

    async def recover_stale(self) -> None:
        """Settle the messages left ``sending`` past their lease (see the module); commits."""
        now = self._clock.now()
        stale = await self._messages.claim_stale(now, self._settings.batch_size)
        if not stale:
            await self._uow.commit()
            return
        attempts = await self._messages.last_attempts([m.id for m in stale])
        held = []
        for message in stale:
            version = message.version
            message.due_at = now + self._settings.lease  # ours while we look: nobody else recovers it
            held.append((message, version))
        await self._messages.save_many(held)
        await self._uow.commit()

        found: dict[MessageId, ProviderReceipt | None] = {}
        for message, _ in held:
            attempt = attempts.get(message.id)
            since = attempt.started_at if attempt else message.updated_at
            provider = await self._providers.for_channel(message.channel)
            try:
                found[message.id] = await provider.lookup(outgoing_of(message, message.attempts), since=since)
            except TransientProviderError as error:
                log.warning("communication.recovery_deferred", communication_id=str(message.id), reason=error.reason)

        now = self._clock.now()
        current = {m.id: m for m in await self._messages.lock(list(found))}
        changed, finished = [], []
        for message_id, receipt in found.items():
            now_held = current.get(message_id)
            if now_held is None or now_held.status is not MessageStatus.SENDING:
                continue
            version = now_held.version
            attempt = attempts.get(message_id)
            if receipt is not None:
                apply_receipt(now_held, receipt, now)
                outcome = "recovered"
            else:
                now_held.retry(now, "recovered: not found at the provider, sending again", now)
                outcome = "unknown"
            if attempt is not None:
                attempt.finish(outcome, now, provider=receipt.provider if receipt else None,
                               provider_message_id=receipt.provider_message_id if receipt else None)  # fmt: skip
                finished.append(attempt)
            changed.append((now_held, version))
            log.info("communication.recovered", communication_id=str(message_id), found=receipt is not None)
        await self._messages.save_many(changed)
        await self._messages.save_attempts(finished)
        events = [e for m, _ in changed for e in m.events]
        if events:
            await self._outbox.add(events)
        if any(m.status is MessageStatus.QUEUED for m, _ in changed):
            schedule_dispatch(self._scheduler, None, now)
        await self._uow.commit()
