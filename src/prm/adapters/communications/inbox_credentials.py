"""Where the inbox part finds the secrets inbound webhooks are verified with: the tenant's own
provider configuration (the providers part's :class:`ProviderCredentialsLookup`: Twilio's
``auth_token`` and ``callback_base_url`` for SMS, Meta's ``app_secret`` and ``verify_token`` for
WhatsApp). A tenant without that provider configured refuses every call (403): inbound webhooks
need the secret the provider signs with, and the local sink posts none.
"""

from prm.application.communications.inbox_ports import InboundCredentials, TwilioInbound, WhatsAppInbound
from prm.application.communications.providers_ports import ProviderCredentialsLookup
from prm.application.shared.context import RequestContext
from prm.domain.communications.channels import Channel
from prm.domain.communications.providers import ProviderKind


class TenantInboundCredentials(InboundCredentials):
    """The request's tenant's provider configuration (REQUEST scope)."""

    def __init__(self, lookup: ProviderCredentialsLookup, context: RequestContext) -> None:
        self._lookup = lookup
        self._tenant_id = context.tenant_id

    async def twilio(self) -> TwilioInbound | None:
        found = await self._lookup.credentials(self._tenant_id, Channel.SMS)
        if found is None or found.kind is not ProviderKind.TWILIO:
            return None
        if not found.auth_token or not found.callback_base_url:
            return None
        return TwilioInbound(auth_token=found.auth_token, public_base_url=found.callback_base_url.rstrip("/"))

    async def whatsapp(self) -> WhatsAppInbound | None:
        found = await self._lookup.credentials(self._tenant_id, Channel.WHATSAPP)
        if found is None or found.kind is not ProviderKind.WHATSAPP_CLOUD:
            return None
        if not found.app_secret:
            return None
        return WhatsAppInbound(app_secret=found.app_secret, verify_token=found.verify_token or "")
