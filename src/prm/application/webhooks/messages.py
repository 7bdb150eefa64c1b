"""The JSON documents PRM POSTs, in the Standard Webhooks payload shape.

``{"type": <event type>, "timestamp": <when it happened, RFC 3339 UTC>, "data": {"id": <event
id>, "version": <payload version>, "aggregate_id": ..., "occurred_at": ..., "tenant_id": ...,
"payload": {...}}}``. ``payload`` is the event's own fields (ids, codes, UTC times: never
personal data, see :mod:`prm.domain.shared.events`). A document is built once per delivery and
sent unchanged on every attempt.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from prm.application.shared.events import PublishedEvent
from prm.domain.shared.ids import TenantId
from prm.domain.webhooks.events import PING


def rfc3339(moment: datetime) -> str:
    """``2026-03-10T09:30:00Z``: UTC with a ``Z`` (fractions of a second kept when there are any)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_body(event: PublishedEvent) -> dict[str, Any]:
    occurred_at = rfc3339(event.occurred_at)
    return {
        "type": event.type,
        "timestamp": occurred_at,
        "data": {
            "id": str(event.id),
            "version": event.version,
            "aggregate_id": str(event.aggregate_id),
            "occurred_at": occurred_at,
            "tenant_id": str(event.tenant_id),
            "payload": dict(event.payload),
        },
    }


def ping_body(*, message_id: UUID, subscription_id: UUID, tenant_id: TenantId, now: datetime) -> dict[str, Any]:
    """A ``webhook.ping`` document about the subscription itself (``aggregate_id``)."""
    sent_at = rfc3339(now)
    return {
        "type": PING,
        "timestamp": sent_at,
        "data": {
            "id": str(message_id),
            "version": 1,
            "aggregate_id": str(subscription_id),
            "occurred_at": sent_at,
            "tenant_id": str(tenant_id),
            "payload": {"subscription_id": str(subscription_id)},
        },
    }
