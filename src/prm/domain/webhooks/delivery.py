"""A webhook delivery: one message (an event, or a ping) to one subscription, and its attempts.

- Each delivery has one message id (``webhook-id``: ``msg_<delivery id>``) and one body, the
  same on every attempt, so receivers can drop duplicates (Standard Webhooks).
- An attempt succeeds on a 2xx answer; anything else (another status, a timeout, a refused
  connection, a destination that now resolves to a private address) fails it.
- After a failed attempt the next one waits :data:`RETRY_SCHEDULE` ``[n]`` (n = attempts made
  so far, from 0) with full jitter: a uniformly random wait between 0 and that ceiling (AWS
  "Exponential Backoff And Jitter"), so that endpoints coming back are not hit by every
  sender at once. The ceilings follow the Standard Webhooks / Svix style (5 s, 30 s, 2 min, ...
  8 h); with :data:`MAX_ATTEMPTS` attempts the last one comes at most ~23 h 42 min (on average
  about half of that) after the first. The delivery is ``failed`` once the last attempt failed.
- A retry asked for by hand (``POST /webhooks/deliveries/{id}/retry``) makes one more attempt
  now: of a delivery still waiting for its next attempt, that attempt, brought forward; of a
  finished one, a single extra attempt with no automatic retries after it.
- A delivery counts toward disabling its subscription when its automatic retries run out; a
  ping or a retry by hand of a finished delivery does not (they are a person's tests), and any
  successful delivery ends the run.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NewType
from uuid import UUID

from prm.domain.shared.ids import TenantId, new_id
from prm.domain.webhooks.model import SubscriptionId

DeliveryId = NewType("DeliveryId", UUID)

RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=8),
)
"""Ceiling of the wait before attempt ``n + 2`` after attempt ``n + 1`` failed."""
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
MAX_ERROR_LENGTH = 500
MAX_EXCERPT_LENGTH = 200

Jitter = Callable[[timedelta], timedelta]
"""Draws the actual wait for a ceiling: between ``timedelta(0)`` and the ceiling."""


_CONTROLS = dict.fromkeys((*range(9), 11, 12, *range(14, 32), 127), "\ufffd")


def _printable(text: str) -> str:
    """``text`` with control characters other than tab and new lines replaced by U+FFFD (what
    others' servers answer is shown by the API, whose text never holds them)."""
    return text.translate(_CONTROLS)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptOutcome:
    """What one POST got: the HTTP status (``None`` when there was no answer), how long it took
    in whole milliseconds, why it failed (``None``: it got an answer) and the start of the answer's
    body. Texts are cut to :data:`MAX_ERROR_LENGTH` / :data:`MAX_EXCERPT_LENGTH` characters."""

    status_code: int | None
    duration_ms: int
    error: str | None = None
    response_excerpt: str | None = None

    def __post_init__(self) -> None:
        if self.error is not None:
            error = _printable(self.error)
            object.__setattr__(
                self, "error", error if len(error) <= MAX_ERROR_LENGTH else error[: MAX_ERROR_LENGTH - 1] + "…"
            )
        if self.response_excerpt is not None:
            object.__setattr__(self, "response_excerpt", _printable(self.response_excerpt)[:MAX_EXCERPT_LENGTH] or None)

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryAttempt:
    """One attempt of a delivery, as recorded (``number`` from 1)."""

    id: UUID
    tenant_id: TenantId
    delivery_id: DeliveryId
    subscription_id: SubscriptionId
    number: int
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


@dataclass(kw_only=True, eq=False)
class Delivery:
    """One message to one subscription. ``body`` is the JSON document POSTed on every attempt;
    ``attempts`` counts those made; ``attempt_limit`` is the number after which it fails for good."""

    id: DeliveryId
    tenant_id: TenantId
    subscription_id: SubscriptionId
    event_id: UUID
    event_type: str
    body: Mapping[str, Any]
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    attempt_limit: int = MAX_ATTEMPTS
    automatic: bool = True
    last_status_code: int | None = None
    last_duration_ms: int | None = None
    last_error: str | None = None
    last_response_excerpt: str | None = None
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of_event(
        cls,
        *,
        tenant_id: TenantId,
        subscription_id: SubscriptionId,
        event_id: UUID,
        event_type: str,
        body: Mapping[str, Any],
        now: datetime,
    ) -> "Delivery":
        """A delivery of a published event, due now, with automatic retries."""
        return cls(
            id=DeliveryId(new_id()),
            tenant_id=tenant_id,
            subscription_id=subscription_id,
            event_id=event_id,
            event_type=event_type,
            body=body,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )

    @classmethod
    def ping(
        cls,
        *,
        tenant_id: TenantId,
        subscription_id: SubscriptionId,
        event_id: UUID,
        body: Mapping[str, Any],
        now: datetime,
    ) -> "Delivery":
        """A test delivery: one attempt, no retries, not counted toward disabling."""
        delivery = cls.of_event(
            tenant_id=tenant_id,
            subscription_id=subscription_id,
            event_id=event_id,
            event_type=str(body["type"]),
            body=body,
            now=now,
        )
        delivery.attempt_limit = 1
        delivery.automatic = False
        return delivery

    @property
    def message_id(self) -> str:
        """The ``webhook-id`` header: the same on every attempt."""
        return f"msg_{self.id}"

    def is_due(self, attempt: int) -> bool:
        """Whether a job for attempt number ``attempt`` (from 1) should still run: the delivery
        is pending and that attempt has not been made (a job scheduled twice runs once)."""
        return self.status is DeliveryStatus.PENDING and self.attempts + 1 == attempt

    def record(self, outcome: AttemptOutcome, now: datetime, jitter: Jitter) -> DeliveryAttempt:
        """Record an attempt made at ``now``: succeeded, or failed and waiting for the next
        attempt at :attr:`next_attempt_at`, or failed for good (see the module docstring)."""
        self.attempts += 1
        self.last_status_code = outcome.status_code
        self.last_duration_ms = outcome.duration_ms
        self.last_error = outcome.error
        self.last_response_excerpt = outcome.response_excerpt
        self.last_attempt_at = now
        if outcome.succeeded:
            self.status, self.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        elif self.attempts >= self.attempt_limit:
            self.status, self.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            ceiling = RETRY_SCHEDULE[min(self.attempts - 1, len(RETRY_SCHEDULE) - 1)]
            wait = min(max(jitter(ceiling), timedelta(0)), ceiling)
            self.status, self.next_attempt_at = DeliveryStatus.PENDING, now + wait
        self._touch(now)
        return DeliveryAttempt(
            id=new_id(),
            tenant_id=self.tenant_id,
            delivery_id=self.id,
            subscription_id=self.subscription_id,
            number=self.attempts,
            attempted_at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            response_excerpt=outcome.response_excerpt,
        )

    @property
    def failed_for_good(self) -> bool:
        """Failed with its automatic retries run out (what counts toward disabling)."""
        return self.status is DeliveryStatus.FAILED and self.automatic

    def give_up(self, now: datetime, reason: str) -> None:
        """Fail without an attempt (its subscription was deactivated meanwhile); not counted
        toward disabling. A retry by hand can still send it once the subscription is active."""
        self.status, self.next_attempt_at = DeliveryStatus.FAILED, None
        self.automatic = False
        self.last_error = reason
        self._touch(now)

    def retry_now(self, now: datetime) -> None:
        """Make the next attempt due now (see the module docstring)."""
        if self.status is not DeliveryStatus.PENDING:
            self.status = DeliveryStatus.PENDING
            self.attempt_limit = self.attempts + 1
            self.automatic = False
        self.next_attempt_at = now
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now
