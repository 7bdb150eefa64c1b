"""Wire schemas of the webhooks API (snake_case JSON, msgspec).

The signing secret (``secret``, ``whsec_…``) appears only in the answers of creation and of
``rotate-secret``; no other answer carries it.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.domain.webhooks.delivery import Delivery, DeliveryAttempt, DeliveryStatus
from prm.domain.webhooks.model import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH, Subscription
from prm.domain.webhooks.patterns import MAX_PATTERN_LENGTH, MAX_PATTERNS

Url = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="Where to POST: an https URL (http too outside production), never to a private address "
        "unless PRM_WEBHOOK_ALLOW_PRIVATE",
    ),
]
Pattern = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_PATTERN_LENGTH,
        description="An event type (appointment.booked) or a pattern with * (appointment.*, *.cancelled, *); "
        "webhook.* events only by a pattern naming them",
    ),
]
Patterns = Annotated[list[Pattern], msgspec.Meta(min_length=1, max_length=MAX_PATTERNS)]
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION_LENGTH)]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused."""


class CreateSubscriptionRequest(Struct, frozen=True):
    url: Url
    event_types: Patterns
    description: Description | None = None
    is_active: bool = True


class UpdateSubscriptionRequest(Struct, frozen=True):
    """The fields to change; absent ones stay. ``is_active: true`` re-enables a disabled subscription."""

    url: Url | UnsetType = UNSET
    event_types: Patterns | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class SubscriptionResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription without its secret. ``consecutive_failures``: deliveries in a row that failed
    for good; ``disabled_reason`` ``consecutive_failures`` when PRM disabled it."""

    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    is_active: bool
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CreatedSubscriptionResponse(SubscriptionResponse, frozen=True, kw_only=True):
    """The new subscription with its signing secret: keep it, it is never shown again."""

    secret: str


class RotatedSecretResponse(msgspec.Struct, frozen=True, kw_only=True):
    """The new signing secret; the previous one also signs until ``previous_secret_expires_at``."""

    id: UUID
    secret: str
    previous_secret_expires_at: datetime | None


class DeliveryResponse(msgspec.Struct, frozen=True, kw_only=True):
    """One message to the subscription: ``attempt`` attempts made so far, the last one's HTTP
    ``status_code`` (``null``: no answer), ``duration_ms`` and ``error``; ``next_attempt_at`` while
    ``pending``. ``message_id`` is the ``webhook-id`` header, the same on every attempt."""

    id: UUID
    subscription_id: UUID
    message_id: str
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    attempt: int
    status_code: int | None
    duration_ms: int | None
    error: str | None
    response_excerpt: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None


class AttemptResponse(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


class DeliveryDetailResponse(DeliveryResponse, frozen=True, kw_only=True):
    """The delivery with every attempt, first first."""

    attempts: list[AttemptResponse]


def subscription_fields(s: Subscription) -> dict[str, Any]:
    return {
        "id": s.id,
        "url": s.url,
        "event_types": list(s.event_types),
        "description": s.description,
        "is_active": s.is_active,
        "consecutive_failures": s.consecutive_failures,
        "disabled_at": s.disabled_at,
        "disabled_reason": s.disabled_reason,
        "version": s.version,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def subscription_response(s: Subscription) -> SubscriptionResponse:
    return SubscriptionResponse(**subscription_fields(s))


def delivery_fields(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "subscription_id": d.subscription_id,
        "message_id": d.message_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "status": d.status,
        "attempt": d.attempts,
        "status_code": d.last_status_code,
        "duration_ms": d.last_duration_ms,
        "error": d.last_error,
        "response_excerpt": d.last_response_excerpt,
        "created_at": d.created_at,
        "last_attempt_at": d.last_attempt_at,
        "next_attempt_at": d.next_attempt_at,
    }


def delivery_response(d: Delivery) -> DeliveryResponse:
    return DeliveryResponse(**delivery_fields(d))


def attempt_response(a: DeliveryAttempt) -> AttemptResponse:
    return AttemptResponse(
        number=a.number,
        attempted_at=a.attempted_at,
        status_code=a.status_code,
        duration_ms=a.duration_ms,
        error=a.error,
        response_excerpt=a.response_excerpt,
    )


def to_changes(data: UpdateSubscriptionRequest) -> dict[str, object]:
    return {
        name: getattr(data, name)
        for name in ("url", "event_types", "description", "is_active")
        if getattr(data, name) is not UNSET
    }
