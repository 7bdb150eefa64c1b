"""The webhooks domain: patterns, subscriptions (secrets, rotation, disabling) and deliveries (retries)."""

import base64
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from prm.domain.shared.ids import TenantId, new_id
from prm.domain.webhooks.delivery import (
    MAX_ATTEMPTS,
    MAX_ERROR_LENGTH,
    MAX_EXCERPT_LENGTH,
    RETRY_SCHEDULE,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
)
from prm.domain.webhooks.errors import InvalidSubscription
from prm.domain.webhooks.events import SubscriptionDisabled, SubscriptionUpdated
from prm.domain.webhooks.model import SECRET_OVERLAP, Subscription, SubscriptionId
from prm.domain.webhooks.patterns import check_patterns, wants

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TENANT = TenantId(uuid4())
WORD = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
EVENT_TYPE = st.builds(lambda a, b: f"{a}.{b}", WORD, WORD).filter(lambda t: not t.startswith("webhook."))


def subscription(**overrides: object) -> Subscription:
    fields: dict[str, object] = {
        "tenant_id": TENANT,
        "url": "https://hooks.example.org/prm",
        "event_types": ["appointment.*"],
        "description": None,
        "is_active": True,
        "now": NOW,
    }
    fields.update(overrides)
    return Subscription.create(**fields)  # type: ignore[arg-type]


def delivery() -> Delivery:
    return Delivery.of_event(
        tenant_id=TENANT,
        subscription_id=SubscriptionId(new_id()),
        event_id=new_id(),
        event_type="appointment.booked",
        body={"type": "appointment.booked"},
        now=NOW,
    )


FAILED = AttemptOutcome(status_code=500, duration_ms=12, error="answered HTTP 500")
OK = AttemptOutcome(status_code=204, duration_ms=8)


def test_patterns_match_with_wildcards() -> None:
    assert wants(["appointment.*"], "appointment.no_show")
    assert not wants(["appointment.*"], "patient.registered")
    assert wants(["*.cancelled"], "appointment.cancelled")
    assert wants(["patient.registered"], "patient.registered")
    assert not wants(["patient.registered"], "patient.registered_twice")


@given(EVENT_TYPE)
def test_a_star_matches_every_event_type_but_our_own(event_type: str) -> None:
    assert wants(["*"], event_type)
    assert wants([event_type], event_type)
    assert not wants(["*"], "webhook." + event_type.replace(".", "_"))


def test_webhook_events_reach_only_patterns_that_name_them() -> None:
    assert not wants(["*", "*.subscription_disabled", "*disabled"], "webhook.subscription_disabled")
    assert wants(["webhook.*"], "webhook.subscription_disabled")
    assert wants(["webhook.subscription_disabled"], "webhook.subscription_disabled")


@pytest.mark.parametrize(
    ("patterns", "field"),
    [
        ([], "event_types"),
        (["Appointment.*"], "event_types.0"),
        (["a.b", "a b"], "event_types.1"),
        (["a..b"], "event_types.0"),
    ],
)
def test_bad_patterns_name_the_field(patterns: list[str], field: str) -> None:
    with pytest.raises(InvalidSubscription) as caught:
        check_patterns(patterns)
    assert caught.value.field == field


def test_a_new_subscription_has_a_standard_webhooks_secret() -> None:
    s = subscription(event_types=["appointment.*", "appointment.*", "*"])
    assert s.secret.startswith("whsec_")
    assert len(base64.b64decode(s.secret.removeprefix("whsec_"))) >= 24
    assert s.event_types == ("appointment.*", "*")
    signed = Webhook(s.secret).sign("msg_1", NOW, "{}")
    assert signed.startswith("v1,")
    assert subscription().secret != s.secret


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "example.org/hook", "https://", "https://a b.org/", "http://x:99999/"]
)
def test_a_bad_url_is_refused_naming_url(url: str) -> None:
    with pytest.raises(InvalidSubscription) as caught:
        subscription(url=url)
    assert caught.value.field == "url"


def test_revise_reports_the_changed_fields_and_reactivation_clears_the_disabling() -> None:
    s = subscription()
    assert s.disable_for_failures(NOW, 5)
    assert (s.is_active, s.disabled_reason) == (False, "consecutive_failures")
    assert s.events[-1] == SubscriptionDisabled(s.id, "consecutive_failures", 5)
    assert not s.disable_for_failures(NOW, 6)  # once
    assert s.revise(NOW, description="  ", is_active=False) == ()
    assert s.revise(NOW, is_active=True, description="Front desk") == ("description", "is_active")
    assert (s.is_active, s.disabled_at, s.disabled_reason, s.consecutive_failures) == (True, None, None, 0)
    assert s.events[-1:] == [SubscriptionUpdated(s.id, ("description", "is_active"))]
    with pytest.raises(InvalidSubscription):
        s.revise(NOW, secret="whsec_x")


def test_a_rotated_secret_signs_alongside_the_old_one_for_a_day() -> None:
    s = subscription()
    old = s.secret
    new = s.rotate_secret(NOW)
    assert new != old
    assert s.secret == new
    assert s.signing_secrets(NOW + timedelta(hours=23)) == (new, old)
    assert s.signing_secrets(NOW + SECRET_OVERLAP) == (new,)


def test_retries_follow_the_schedule_for_about_a_day_then_fail() -> None:
    d = delivery()
    now = NOW
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert d.is_due(attempt)
        assert not d.is_due(attempt + 1)
        d.record(FAILED, now, lambda ceiling: ceiling)
        if d.status is DeliveryStatus.PENDING:
            assert d.next_attempt_at is not None
            waits.append(d.next_attempt_at - now)
            now = d.next_attempt_at
    assert (d.status, d.attempts, d.next_attempt_at) == (DeliveryStatus.FAILED, MAX_ATTEMPTS, None)
    assert d.failed_for_good
    assert waits == list(RETRY_SCHEDULE)
    assert timedelta(hours=20) < sum(waits, timedelta()) < timedelta(hours=26)
    assert waits[:3] == [timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2)]


@given(st.floats(min_value=-1, max_value=2))
def test_a_jittered_wait_stays_between_zero_and_its_ceiling(fraction: float) -> None:
    d = delivery()
    d.record(FAILED, NOW, lambda ceiling: ceiling * fraction)
    assert d.next_attempt_at is not None
    assert NOW <= d.next_attempt_at <= NOW + RETRY_SCHEDULE[0]


def test_a_success_ends_the_delivery_and_a_ping_is_tried_once() -> None:
    d = delivery()
    attempt = d.record(OK, NOW, lambda c: c)
    assert (d.status, d.last_status_code, attempt.number, attempt.duration_ms) == (DeliveryStatus.SUCCEEDED, 204, 1, 8)
    ping = Delivery.ping(
        tenant_id=TENANT, subscription_id=d.subscription_id, event_id=new_id(), body={"type": "webhook.ping"}, now=NOW
    )
    ping.record(FAILED, NOW, lambda c: c)
    assert (ping.status, ping.failed_for_good, ping.event_type) == (DeliveryStatus.FAILED, False, "webhook.ping")


def test_a_retry_by_hand_of_a_finished_delivery_is_one_attempt_not_counted() -> None:
    d = delivery()
    for _ in range(MAX_ATTEMPTS):
        d.record(FAILED, NOW, lambda c: c)
    d.retry_now(NOW)
    assert (d.status, d.next_attempt_at) == (DeliveryStatus.PENDING, NOW)
    assert d.is_due(MAX_ATTEMPTS + 1)
    d.record(FAILED, NOW, lambda c: c)
    assert (d.status, d.failed_for_good) == (DeliveryStatus.FAILED, False)


def test_a_retry_by_hand_of_a_waiting_delivery_brings_its_attempt_forward() -> None:
    d = delivery()
    d.record(FAILED, NOW, lambda c: c)
    d.retry_now(NOW + timedelta(seconds=1))
    assert (d.next_attempt_at, d.attempt_limit, d.automatic) == (NOW + timedelta(seconds=1), MAX_ATTEMPTS, True)


def test_outcomes_keep_short_printable_texts() -> None:
    outcome = AttemptOutcome(status_code=500, duration_ms=1, error="x" * 2000, response_excerpt="a\x00b" + "c" * 500)
    assert outcome.error is not None
    assert len(outcome.error) == MAX_ERROR_LENGTH
    assert outcome.response_excerpt is not None
    assert len(outcome.response_excerpt) == MAX_EXCERPT_LENGTH
    assert outcome.response_excerpt.startswith("a\ufffdb")
    assert not outcome.succeeded
    assert not AttemptOutcome(status_code=302, duration_ms=1).succeeded
