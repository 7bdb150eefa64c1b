"""Errors of the webhooks context (codes ``webhooks.*``)."""

from prm.domain.shared.errors import Conflict, NotFound, RuleViolated


class SubscriptionNotFound(NotFound):
    """No webhook subscription with this id for the caller's tenant (HTTP 404)."""

    code = "webhooks.subscription_not_found"


class DeliveryNotFound(NotFound):
    """No webhook delivery with this id for the caller's tenant (HTTP 404)."""

    code = "webhooks.delivery_not_found"


class InvalidSubscription(RuleViolated):
    """A subscription's field breaks a rule of :mod:`prm.domain.webhooks.model` (HTTP 422, names the field)."""

    code = "webhooks.invalid_subscription"


class UnsafeDestination(RuleViolated):
    """The destination URL is not allowed: ``http`` in production, or a host that resolves to a
    private, loopback, link-local, multicast, reserved or unspecified address (HTTP 422, field ``url``)."""

    code = "webhooks.unsafe_destination"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="url")


class SubscriptionInactive(Conflict):
    """The subscription is inactive (disabled by hand or after failing): re-activate it first (HTTP 409)."""

    code = "webhooks.subscription_inactive"
