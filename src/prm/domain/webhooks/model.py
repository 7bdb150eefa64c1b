"""The webhook subscription: where to POST which of the tenant's events, and the secret to sign them with.

Rules kept here:

- ``url`` is an absolute ``http`` or ``https`` URL with a host, at most :data:`MAX_URL_LENGTH`
  characters; whether the destination is allowed (``https`` only in production, no private
  addresses) is the :class:`~prm.application.webhooks.ports.DestinationPolicy`'s decision;
- ``event_types`` are patterns (:mod:`prm.domain.webhooks.patterns`);
- the signing secret is the Standard Webhooks format, ``whsec_`` + base64 of
  :data:`SECRET_BYTES` random bytes (the symmetric ``v1`` HMAC-SHA256 scheme). After a
  rotation the previous secret keeps signing too for :data:`SECRET_OVERLAP`, each message then
  carrying both signatures, so receivers can switch without dropping messages (the
  specification's "multiple signatures");
- PRM disables a subscription itself after :data:`FAILURES_BEFORE_DISABLING` deliveries in a row
  failed for good (see :mod:`prm.domain.webhooks.delivery`); setting ``is_active`` to true
  again re-enables it and clears the run.
"""

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NewType
from urllib.parse import urlsplit
from uuid import UUID

from prm.domain.shared.ids import TenantId, new_id
from prm.domain.webhooks import patterns
from prm.domain.webhooks.errors import InvalidSubscription
from prm.domain.webhooks.events import (
    SubscriptionCreated,
    SubscriptionDeleted,
    SubscriptionDisabled,
    SubscriptionSecretRotated,
    SubscriptionUpdated,
)

SubscriptionId = NewType("SubscriptionId", UUID)

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 500
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32
SECRET_OVERLAP = timedelta(hours=24)
FAILURES_BEFORE_DISABLING = 5
"""Deliveries in a row that exhausted their retries (about a day each) before PRM disables the subscription."""
DISABLED_FOR_FAILURES = "consecutive_failures"


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + standard base64 of :data:`SECRET_BYTES` random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def check_url(url: str) -> str:
    """``url`` stripped; raises :class:`InvalidSubscription` (field ``url``) unless it is an
    absolute ``http(s)`` URL with a host and a valid port, without white space or control
    characters, of at most :data:`MAX_URL_LENGTH` characters."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise InvalidSubscription(
            f"url must be an http(s) URL of at most {MAX_URL_LENGTH} characters, without spaces", field="url"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidSubscription(f"url is not a valid URL: {exc}", field="url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSubscription("url must be an absolute http:// or https:// URL with a host", field="url")
    if port == 0:
        raise InvalidSubscription("url has port 0", field="url")
    return url


def _description(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidSubscription(
            f"description may have at most {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return value.strip()


@dataclass(kw_only=True, eq=False)
class Subscription:
    """One endpoint of the tenant's and the events it wants. ``consecutive_failures`` is the run
    of deliveries that failed for good, as last read (the repository counts it atomically)."""

    id: SubscriptionId
    tenant_id: TenantId
    url: str
    event_types: tuple[str, ...]
    description: str | None
    is_active: bool
    secret: str
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    consecutive_failures: int = 0
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        tenant_id: TenantId,
        url: str,
        event_types: Sequence[str],
        description: str | None,
        is_active: bool,
        now: datetime,
    ) -> "Subscription":
        """A new subscription with a fresh secret; raises :class:`InvalidSubscription` naming the field."""
        subscription = cls(
            id=SubscriptionId(new_id()),
            tenant_id=tenant_id,
            url=check_url(url),
            event_types=patterns.check_patterns(event_types),
            description=_description(description),
            is_active=is_active,
            secret=new_secret(),
            created_at=now,
            updated_at=now,
        )
        subscription.events.append(SubscriptionCreated(subscription.id, is_active))
        return subscription

    def wants(self, event_type: str) -> bool:
        """Whether this subscription is active and one of its patterns matches ``event_type``."""
        return self.is_active and patterns.wants(self.event_types, event_type)

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets a message sent at ``now`` is signed with: the current one, and the previous
        one while its overlap lasts."""
        if self.previous_secret and self.previous_secret_expires_at and now < self.previous_secret_expires_at:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def revise(self, now: datetime, **changes: Any) -> tuple[str, ...]:
        """Apply ``url``, ``event_types``, ``description`` and ``is_active`` changes; returns the
        names of the fields that changed (none: nothing happens). Re-activating clears the
        disabling and the failure run. Raises :class:`InvalidSubscription` naming the field."""
        unknown = set(changes) - {"url", "event_types", "description", "is_active"}
        if unknown:
            raise InvalidSubscription(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        new: dict[str, Any] = {}
        if "url" in changes:
            new["url"] = check_url(changes["url"])
        if "event_types" in changes:
            new["event_types"] = patterns.check_patterns(changes["event_types"])
        if "description" in changes:
            new["description"] = _description(changes["description"])
        if "is_active" in changes:
            new["is_active"] = bool(changes["is_active"])
        changed = tuple(name for name, value in new.items() if getattr(self, name) != value)
        if not changed:
            return ()
        for name in changed:
            setattr(self, name, new[name])
        if "is_active" in changed and self.is_active:
            self.disabled_at = None
            self.disabled_reason = None
            self.consecutive_failures = 0
        self._touch(now)
        self.events.append(SubscriptionUpdated(self.id, changed))
        return changed

    def rotate_secret(self, now: datetime) -> str:
        """Replace the secret with a fresh one (returned); the old one keeps signing for
        :data:`SECRET_OVERLAP`."""
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + SECRET_OVERLAP
        self.secret = new_secret()
        self._touch(now)
        self.events.append(SubscriptionSecretRotated(self.id))
        return self.secret

    def disable_for_failures(self, now: datetime, consecutive_failures: int) -> bool:
        """Deactivate after a run of ``consecutive_failures`` failed deliveries; ``False`` (and
        nothing happens) when the subscription is inactive already."""
        if not self.is_active:
            return False
        self.is_active = False
        self.disabled_at = now
        self.disabled_reason = DISABLED_FOR_FAILURES
        self.consecutive_failures = consecutive_failures
        self._touch(now)
        self.events.append(SubscriptionDisabled(self.id, DISABLED_FOR_FAILURES, consecutive_failures))
        return True

    def delete(self) -> None:
        self.events.append(SubscriptionDeleted(self.id))

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now
