"""A message's life: creation rules, the transitions staff may make, and providers' callbacks,
which arrive late, twice and in any order."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.communications.channels import PROGRESS_ORDER, Channel, MessageStatus
from prm.domain.communications.events import (
    CommunicationDelivered,
    CommunicationQueued,
    CommunicationRead,
    CommunicationSent,
)
from prm.domain.communications.messages import (
    MAX_ATTEMPTS,
    InvalidMessage,
    Message,
    TransitionNotAllowed,
)
from prm.domain.shared.ids import PatientId, TenantId

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def message(channel: Channel = Channel.SMS, body: str = "Your appointment is tomorrow", **fields: object) -> Message:
    return Message.outgoing(
        tenant_id=TenantId(uuid4()),
        patient_id=PatientId(uuid4()),
        channel=channel,
        recipient="+447700900123",
        body=body,
        now=NOW,
        **fields,  # type: ignore[arg-type]
    )


def sent() -> Message:
    m = message()
    m.start_attempt(NOW, LEASE)
    m.mark_sent("twilio", "SM1", NOW)
    m.events.clear()
    return m


def test_a_message_due_now_is_queued_and_a_later_one_scheduled() -> None:
    now = message()
    later = message(scheduled_for=NOW + timedelta(hours=1))
    assert (now.status, now.due_at, now.queued_at) == (MessageStatus.QUEUED, NOW, NOW)
    assert (later.status, later.due_at) == (MessageStatus.SCHEDULED, NOW + timedelta(hours=1))
    assert [type(e) for e in now.events] == [CommunicationQueued]


@pytest.mark.parametrize(("channel", "limit"), [(Channel.SMS, 1600), (Channel.WHATSAPP, 4096)])
def test_a_body_over_the_channels_limit_is_refused_naming_message(channel: Channel, limit: int) -> None:
    assert message(channel, "x" * limit).body
    with pytest.raises(InvalidMessage) as raised:
        message(channel, "x" * (limit + 1))
    assert raised.value.field == "message"
    with pytest.raises(InvalidMessage):
        message(channel, "   ")


def test_only_email_keeps_a_subject() -> None:
    assert message(Channel.SMS, subject="Hello").subject is None
    assert message(Channel.EMAIL, subject="Hello").subject == "Hello"
    with pytest.raises(InvalidMessage) as raised:
        message(Channel.EMAIL, subject="two\nlines")
    assert raised.value.field == "subject"


def test_staff_may_cancel_what_has_not_gone_and_nothing_leaves_cancelled() -> None:
    m = message(scheduled_for=NOW + timedelta(days=1))
    assert m.change_status(MessageStatus.CANCELLED, NOW)
    assert (m.status, m.cancelled_at, m.due_at) == (MessageStatus.CANCELLED, NOW, None)
    for status in (MessageStatus.QUEUED, MessageStatus.DELIVERED, MessageStatus.READ):
        with pytest.raises(TransitionNotAllowed):
            m.change_status(status, NOW)
    with pytest.raises(TransitionNotAllowed):
        m.change_status(MessageStatus.FAILED, NOW, error_message="x")


def test_staff_mark_sent_messages_delivered_then_read_with_their_times() -> None:
    m = sent()
    later = NOW + timedelta(minutes=5)
    assert m.change_status(MessageStatus.DELIVERED, later)
    assert m.change_status(MessageStatus.READ, later + timedelta(minutes=1))
    assert (m.delivered_at, m.read_at) == (later, later + timedelta(minutes=1))
    assert not m.change_status(MessageStatus.READ, later + timedelta(hours=1))  # again: nothing
    assert m.read_at == later + timedelta(minutes=1)
    with pytest.raises(TransitionNotAllowed):
        m.change_status(MessageStatus.DELIVERED, NOW)  # backwards
    with pytest.raises(TransitionNotAllowed):
        m.change_status(MessageStatus.CANCELLED, NOW)  # gone already


def test_failed_needs_an_error_message_and_only_before_delivered() -> None:
    with pytest.raises(InvalidMessage) as raised:
        sent().change_status(MessageStatus.FAILED, NOW)
    assert raised.value.field == "error_message"
    with pytest.raises(InvalidMessage):
        sent().change_status(MessageStatus.READ, NOW, error_message="nope")
    m = sent()
    m.change_status(MessageStatus.FAILED, NOW, error_message="carrier rejected")
    assert (m.status, m.status_reason, m.failed_at) == (MessageStatus.FAILED, "carrier rejected", NOW)
    delivered = sent()
    delivered.change_status(MessageStatus.DELIVERED, NOW)
    with pytest.raises(TransitionNotAllowed):
        delivered.change_status(MessageStatus.FAILED, NOW, error_message="late")


def test_a_failed_callback_after_delivered_is_ignored() -> None:
    m = sent()
    assert m.apply_callback(MessageStatus.DELIVERED, NOW, NOW)
    assert not m.apply_callback(MessageStatus.FAILED, NOW, NOW, error_message="undelivered")
    assert m.status is MessageStatus.DELIVERED


def test_a_failed_callback_before_delivery_fails_it_for_good() -> None:
    m = sent()
    assert m.apply_callback(MessageStatus.FAILED, NOW, NOW, error_code="30003", error_message="unreachable")
    assert (m.status, m.error_code) == (MessageStatus.FAILED, "30003")
    assert not m.apply_callback(MessageStatus.DELIVERED, NOW, NOW)


def test_a_callback_before_our_own_commit_moves_a_sending_message_and_keeps_its_id() -> None:
    m = message()
    m.start_attempt(NOW, LEASE)
    assert m.apply_callback(MessageStatus.DELIVERED, NOW, NOW, provider_message_id="SM9")
    m.mark_sent("twilio", "SM9", NOW)  # tx 2 comes after: it does not go back to sent
    assert (m.status, m.provider_message_id, m.sent_at, m.delivered_at) == (MessageStatus.DELIVERED, "SM9", NOW, NOW)


def test_transient_failures_retry_until_the_last_attempt_fails_it() -> None:
    m = message()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert m.start_attempt(NOW, LEASE) == attempt
        m.retry(NOW + timedelta(seconds=30), "timeout", NOW)
    assert (m.status, m.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert m.status_reason is not None
    assert m.status_reason.startswith(f"gave up after {MAX_ATTEMPTS} attempts")


PROGRESS = [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ]
RANK_OF_EVENT = {CommunicationDelivered: 2, CommunicationRead: 3}


@given(st.lists(st.sampled_from(PROGRESS), min_size=1, max_size=8))
def test_any_order_of_progress_callbacks_ends_at_the_furthest(callbacks: list[MessageStatus]) -> None:
    m = message()
    m.start_attempt(NOW, LEASE)
    m.mark_sent("twilio", "SM1", NOW)
    m.events.clear()
    for i, status in enumerate(callbacks):
        m.apply_callback(status, NOW + timedelta(seconds=i), NOW + timedelta(seconds=i))
    furthest = max(callbacks, key=PROGRESS_ORDER.__getitem__)
    assert m.status is furthest
    ranks = [RANK_OF_EVENT[type(e)] for e in m.events]
    assert ranks == sorted(set(ranks))  # one event per step forward, never backwards
    assert ranks[-1:] == ([PROGRESS_ORDER[furthest]] if furthest is not MessageStatus.SENT else [])
    assert (m.delivered_at is not None) == (furthest is not MessageStatus.SENT)


@given(st.permutations([*PROGRESS, MessageStatus.FAILED]))
def test_failed_counts_only_when_it_comes_before_delivered_or_read(order: list[MessageStatus]) -> None:
    m = sent()
    for status in order:
        m.apply_callback(status, NOW, NOW)
    first_of = order.index
    failed_first = first_of(MessageStatus.FAILED) < min(first_of(MessageStatus.DELIVERED), first_of(MessageStatus.READ))
    assert m.status is (MessageStatus.FAILED if failed_first else MessageStatus.READ)


def test_events_carry_ids_and_codes() -> None:
    m = message()
    m.start_attempt(NOW, LEASE)
    m.mark_sent("twilio", "SM1", NOW)
    m.apply_callback(MessageStatus.DELIVERED, NOW, NOW)
    queued, sent_, delivered = m.events
    assert isinstance(sent_, CommunicationSent)
    assert isinstance(delivered, CommunicationDelivered)
    assert (delivered.communication_id, delivered.patient_id, delivered.channel) == (m.id, m.patient_id, "sms")
    assert isinstance(queued, CommunicationQueued)
