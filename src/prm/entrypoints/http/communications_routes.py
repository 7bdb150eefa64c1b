"""Every HTTP route of the communications context, from its parts' modules."""

from litestar.types import ControllerRouterHandler

from prm.entrypoints.http import (
    communications_campaigns,
    communications_consent,
    communications_inbox,
    communications_messages,
    communications_providers,
    communications_templates,
    communications_virtual_visits,
)

COMMUNICATIONS_ROUTES: list[ControllerRouterHandler] = [
    *communications_templates.ROUTES,
    *communications_providers.ROUTES,
    *communications_consent.ROUTES,
    *communications_messages.ROUTES,
    *communications_virtual_visits.ROUTES,
    *communications_inbox.ROUTES,
    *communications_campaigns.ROUTES,
]
