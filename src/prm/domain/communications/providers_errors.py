"""Errors of the communications context's provider configuration (codes ``communications.*``)."""

from prm.domain.shared.errors import NotFound, RuleViolated


class InvalidProviderConfig(RuleViolated):
    """A provider configuration that cannot work: a kind the channel cannot use, a setting or
    secret missing, malformed or not of that kind (HTTP 422 naming ``field``; never quotes a
    secret)."""

    code = "communications.invalid_provider_config"


class ProviderConfigNotFound(NotFound):
    """The tenant has no provider configured for the channel (it uses the default) (HTTP 404)."""

    code = "communications.provider_config_not_found"
