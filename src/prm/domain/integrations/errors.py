"""Errors of the integrations context (codes ``integrations.*``)."""

from prm.domain.shared.errors import Conflict, NotFound, RateLimited, RuleViolated


class IntegrationEventNotFound(NotFound):
    """No integration event with this id for the caller's tenant (HTTP 404)."""

    code = "integrations.event_not_found"


class IntegrationConfigNotFound(NotFound):
    """No integration configuration with this id for the caller's tenant (HTTP 404)."""

    code = "integrations.config_not_found"


class InvalidIntegrationEvent(RuleViolated):
    """An inbound event breaks a rule of :mod:`prm.domain.integrations.model` (HTTP 422)."""

    code = "integrations.invalid_event"


class PayloadTooLarge(RuleViolated):
    """An event's ``payload`` is larger than :data:`~prm.domain.integrations.model.MAX_PAYLOAD_BYTES`
    once encoded (HTTP 413 for a single event, an item error in a bulk request)."""

    code = "integrations.payload_too_large"


class InvalidIntegrationConfig(RuleViolated):
    """A configuration breaks a rule of :mod:`prm.domain.integrations.config` (HTTP 422)."""

    code = "integrations.invalid_config"


class DuplicateSourceSystem(Conflict):
    """The tenant has a configuration for this source system already (HTTP 409)."""

    code = "integrations.duplicate_source_system"


class DuplicateIntegrationEvent(Conflict):
    """Another request stored an event with the same ``source_system`` and ``external_id`` at the
    same moment (HTTP 409); sending it again answers the stored one (200)."""

    code = "integrations.duplicate_event"


class NotReprocessable(Conflict):
    """Only failed or ignored events can be processed again (HTTP 409)."""

    code = "integrations.not_reprocessable"


class IntegrationRateLimited(RateLimited):
    """A source system sent more events this hour than its limit allows (HTTP 429, ``Retry-After``)."""

    code = "integrations.rate_limited"
