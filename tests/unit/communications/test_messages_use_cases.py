"""The messages part's use cases on fakes: queueing (defaults, templates, dedup, what can never
go), dispatch (effectively once: retries, permanent failures, Retry-After, crash recovery), and
status callbacks."""

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from prm.application.communications.contracts import (
    MessageRequest,
    PatientContact,
    PermanentProviderError,
    SendDecision,
    StatusCallback,
    TransientProviderError,
)
from prm.application.communications.messages_callbacks import ApplyStatusCallback
from prm.application.communications.messages_dispatch import DispatchMessages, RecoverMessages, backoff_ceiling
from prm.application.communications.messages_ports import DISPATCH_TASK, DispatchSettings
from prm.application.communications.messages_queue import QueueMessage
from prm.application.shared.context import SYSTEM, RequestContext
from prm.domain.communications.channels import Channel, MessageStatus
from prm.domain.communications.messages import MAX_ATTEMPTS, MessageId
from prm.domain.shared.errors import PatientNotFound, RuleViolated
from prm.domain.shared.ids import PatientId, TenantId
from tests.fakes import NOW, FakeJobScheduler, FakeUnitOfWork, FixedClock, InMemoryAuditTrail, InMemoryOutbox
from tests.unit.communications.messages_fakes import (
    FakeRenderer,
    InMemoryContacts,
    InMemoryMessages,
    NoJitter,
    OneProvider,
    ScriptedPolicy,
    ScriptedProvider,
)

TENANT = TenantId(uuid4())
PATIENT = PatientId(uuid4())
SETTINGS = DispatchSettings(batch_size=10, concurrency=4, lease=timedelta(minutes=2), batches_per_job=3)


class World:
    def __init__(self, provider: ScriptedProvider | None = None, policy: ScriptedPolicy | None = None) -> None:
        self.messages = InMemoryMessages()
        self.contacts = InMemoryContacts(
            PatientContact(
                patient_id=PATIENT,
                phones=("+447700900123",),
                emails=("ada@example.org",),
                preferred_language="cy",
                active=True,
                given_name="Ada",
            )
        )
        self.renderer = FakeRenderer()
        self.jobs = FakeJobScheduler()
        self.outbox = InMemoryOutbox()
        self.audit = InMemoryAuditTrail()
        self.uow = FakeUnitOfWork()
        self.clock = FixedClock(NOW)
        self.provider = provider or ScriptedProvider()
        self.policy = policy or ScriptedPolicy()
        context = RequestContext(tenant_id=TENANT, principal=SYSTEM, phone_region="GB")
        self.queue = QueueMessage(
            self.messages, self.contacts, self.renderer, self.jobs, self.outbox, self.audit, context, self.clock
        )
        self.recover = RecoverMessages(
            self.messages, OneProvider(self.provider), self.jobs, self.outbox, self.uow, self.clock, SETTINGS
        )
        self.dispatch = DispatchMessages(
            self.messages,
            OneProvider(self.provider),
            self.policy,
            self.contacts,
            self.recover,
            self.jobs,
            self.outbox,
            self.uow,
            self.clock,
            NoJitter(),
            SETTINGS,
        )

    def status(self, message_id: UUID) -> MessageStatus:
        return self.messages.rows[MessageId(message_id)].status


def request(**fields: object) -> MessageRequest:
    defaults: dict[str, object] = {"patient_id": PATIENT, "channel": Channel.SMS, "body": "See you tomorrow"}
    return MessageRequest(**(defaults | fields))  # type: ignore[arg-type]


async def test_queue_defaults_to_the_patients_phone_and_schedules_the_dispatch() -> None:
    world = World()
    message_id = await world.queue.queue(request())
    stored = world.messages.rows[MessageId(message_id)]
    assert (stored.status, stored.recipient, stored.due_at) == (MessageStatus.QUEUED, "+447700900123", NOW)
    assert [(j.task, j.key) for j in world.jobs.jobs] == [(DISPATCH_TASK, DISPATCH_TASK)]
    assert world.uow.commits == 0  # the caller's unit of work
    assert [type(e).__name__ for e in world.outbox.events] == ["CommunicationQueued"]
    assert world.audit.events == [("create", "communication", message_id, ())]


async def test_a_later_message_schedules_its_dispatch_at_its_time_and_dedup_returns_the_first() -> None:
    world = World()
    at = NOW + timedelta(hours=3, microseconds=5)
    first = await world.queue.queue(request(scheduled_for=at, dedup_key="reminder:1:24h"))
    again = await world.queue.queue(request(scheduled_for=at, dedup_key="reminder:1:24h"))
    assert first == again
    assert len(world.messages.rows) == 1
    (job,) = world.jobs.jobs
    assert job.at == (at + timedelta(seconds=1)).replace(microsecond=0)
    assert job.key == f"{DISPATCH_TASK}@{job.at:%Y%m%dT%H%M%S}"


async def test_templates_render_in_the_patients_language_with_their_name() -> None:
    world = World()
    message_id = await world.queue.queue(request(body=None, template_name="reminder", template_vars={"when": "at 9"}))
    stored = world.messages.rows[MessageId(message_id)]
    assert (stored.body, stored.template_language, stored.category) == ("Hi Ada, see you at 9", "cy", "reminder")
    assert world.renderer.languages == ["cy"]


async def test_a_template_that_does_not_render_fails_the_message_or_is_a_422_when_strict() -> None:
    world = World()
    message_id = await world.queue.queue(request(body=None, template_name="reminder"))
    stored = world.messages.rows[MessageId(message_id)]
    assert stored.status is MessageStatus.FAILED
    assert stored.status_reason is not None
    assert stored.status_reason.startswith("template_render_failed")
    assert world.jobs.jobs == []
    with pytest.raises(RuleViolated) as raised:
        await world.queue.store(request(body=None, template_name="reminder"), strict=True)
    assert raised.value.field == "template_vars"
    with pytest.raises(RuleViolated) as raised:
        await world.queue.store(request(body=None, template_name="nope", template_vars={"when": "x"}), strict=True)
    assert raised.value.field == "template_name"


async def test_what_can_never_go_is_blocked_with_the_reason() -> None:
    world = World()
    world.contacts.contacts[PATIENT] = PatientContact(
        patient_id=PATIENT, phones=(), emails=(), preferred_language=None, active=True
    )
    no_phone = await world.queue.queue(request())
    assert world.messages.rows[MessageId(no_phone)].status_reason == "no_address:sms"
    with pytest.raises(RuleViolated) as raised:
        await world.queue.store(request(), strict=True)
    assert raised.value.field == "recipient"
    with pytest.raises(RuleViolated) as raised:
        await world.queue.store(request(recipient="not a phone"), strict=True)
    assert raised.value.field == "recipient"
    with pytest.raises(PatientNotFound):
        await world.queue.queue(request(patient_id=PatientId(uuid4())))


async def test_cancel_pending_cancels_only_what_has_not_gone() -> None:
    world = World()
    appointment = uuid4()
    waiting = await world.queue.queue(request(appointment_id=appointment, category="reminder"))
    other_kind = await world.queue.queue(request(appointment_id=appointment, category="survey"))
    assert await world.queue.cancel_pending(appointment_id=appointment, categories=["reminder"]) == 1
    assert (world.status(waiting), world.status(other_kind)) == (MessageStatus.CANCELLED, MessageStatus.QUEUED)


async def test_dispatch_sends_each_due_message_once_and_commits_around_the_calls() -> None:
    world = World()
    ids = [await world.queue.queue(request(body=f"Message {i}")) for i in range(3)]
    later = await world.queue.queue(request(scheduled_for=NOW + timedelta(hours=1)))
    world.jobs.jobs.clear()
    await world.dispatch({})
    await world.dispatch({})  # the job ran twice: nothing is sent again
    assert sorted(c.message_id for c in world.provider.calls) == sorted(ids)
    assert [world.status(i) for i in ids] == [MessageStatus.SENT] * 3
    stored = world.messages.rows[MessageId(ids[0])]
    assert (stored.provider, stored.provider_message_id, stored.attempts) == ("fake", f"P-{ids[0]}", 1)
    assert world.status(later) is MessageStatus.SCHEDULED
    assert {j.at for j in world.jobs.jobs} == {NOW + timedelta(hours=1)}  # woken again for the later one


async def test_a_transient_failure_retries_with_backoff_then_succeeds() -> None:
    world = World(ScriptedProvider(TransientProviderError("HTTP 503"), MessageStatus.SENT))
    message_id = await world.queue.queue(request())
    world.jobs.jobs.clear()
    await world.dispatch({})
    stored = world.messages.rows[MessageId(message_id)]
    assert (stored.status, stored.status_reason) == (MessageStatus.SCHEDULED, "HTTP 503")
    assert stored.due_at == NOW + backoff_ceiling(1)
    assert any(j.at == NOW + backoff_ceiling(1) for j in world.jobs.jobs)
    world.clock.current = NOW + backoff_ceiling(1)
    await world.dispatch({})
    assert world.status(message_id) is MessageStatus.SENT
    assert [a.outcome for a in world.messages.attempts.values()] == ["retry", "sent"]


async def test_retry_after_is_honoured_and_the_eighth_failure_fails_it() -> None:
    world = World(ScriptedProvider(TransientProviderError("HTTP 429", retry_after=timedelta(seconds=7))))
    message_id = await world.queue.queue(request())
    await world.dispatch({})
    assert world.messages.rows[MessageId(message_id)].due_at == NOW + timedelta(seconds=7)
    for _ in range(MAX_ATTEMPTS):
        world.clock.current += timedelta(seconds=7)
        await world.dispatch({})
    stored = world.messages.rows[MessageId(message_id)]
    assert (stored.status, stored.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert len(world.provider.calls) == MAX_ATTEMPTS


async def test_a_permanent_failure_fails_at_once() -> None:
    world = World(ScriptedProvider(PermanentProviderError("invalid 'To' phone number", code="21211")))
    message_id = await world.queue.queue(request())
    await world.dispatch({})
    stored = world.messages.rows[MessageId(message_id)]
    assert (stored.status, stored.status_reason, stored.error_code) == (
        MessageStatus.FAILED,
        "invalid 'To' phone number",
        "21211",
    )


async def test_the_policy_blocks_or_defers() -> None:
    quiet_until = NOW + timedelta(hours=8)
    policy = ScriptedPolicy(
        {
            "+447700900123": SendDecision(allowed=False, reason="opted_out:sms"),
            "+447911123456": SendDecision(allowed=True, not_before=quiet_until, reason="quiet_hours"),
        }
    )
    world = World(policy=policy)
    blocked = await world.queue.queue(request())
    deferred = await world.queue.queue(request(recipient="+447911123456"))
    world.jobs.jobs.clear()
    await world.dispatch({})
    assert world.provider.calls == []
    assert (world.status(blocked), world.messages.rows[MessageId(blocked)].status_reason) == (
        MessageStatus.BLOCKED,
        "opted_out:sms",
    )
    assert (world.status(deferred), world.messages.rows[MessageId(deferred)].due_at) == (
        MessageStatus.SCHEDULED,
        quiet_until,
    )
    assert any(j.at == quiet_until for j in world.jobs.jobs)


async def test_a_patient_made_inactive_since_queueing_is_blocked_at_sending() -> None:
    world = World()
    message_id = await world.queue.queue(request())
    world.contacts.contacts[PATIENT] = PatientContact(
        patient_id=PATIENT, phones=("+447700900123",), emails=(), preferred_language=None, active=False
    )
    await world.dispatch({})
    assert (world.status(message_id), world.provider.calls) == (MessageStatus.BLOCKED, [])


async def test_a_crash_after_the_provider_accepted_is_recovered_without_sending_again() -> None:
    world = World()
    sent_before = await world.queue.queue(request(body="one"))
    never_sent = await world.queue.queue(request(body="two"))
    claimed, _ = await world.dispatch.claim()
    await world.dispatch.send([c for c in claimed if c.message.id == sent_before])  # then the worker dies
    assert world.status(sent_before) is MessageStatus.SENDING

    await world.recover({})  # within the lease: nothing to recover yet
    assert world.provider.lookups == 0
    world.clock.current = NOW + SETTINGS.lease
    await world.recover({})
    assert world.status(sent_before) is MessageStatus.SENT
    assert world.messages.rows[MessageId(sent_before)].provider_message_id == f"P-{sent_before}"
    assert world.status(never_sent) is MessageStatus.QUEUED
    await world.dispatch({})
    assert [c.message_id for c in world.provider.calls] == [sent_before, never_sent]  # each sent once
    outcomes = {(k[0], k[1]): a.outcome for k, a in world.messages.attempts.items()}
    assert outcomes == {(sent_before, 1): "recovered", (never_sent, 1): "unknown", (never_sent, 2): "sent"}


async def test_callbacks_move_messages_forward_only_and_unknown_ones_are_kept_and_ignored() -> None:
    world = World()
    message_id = await world.queue.queue(request())
    await world.dispatch({})
    apply = ApplyStatusCallback(world.messages, world.outbox, world.uow, world.clock)

    def callback(status: MessageStatus, sid: str = f"P-{message_id}") -> StatusCallback:
        return StatusCallback(provider="fake", provider_message_id=sid, status=status, occurred_at=NOW)

    assert await apply(callback(MessageStatus.READ)) == 1
    assert await apply([callback(MessageStatus.DELIVERED), callback(MessageStatus.FAILED)]) == 0
    assert await apply(callback(MessageStatus.DELIVERED, sid="SM-unknown")) == 0
    stored = world.messages.rows[MessageId(message_id)]
    assert (stored.status, stored.read_at, stored.delivered_at) == (MessageStatus.READ, NOW, NOW)
    assert [applied for _, _, applied in world.messages.callbacks] == [True, False, False, False]
    assert world.messages.callbacks[-1][0] is None
