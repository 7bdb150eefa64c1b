"""Who handles which published event: one handler per (context, event type).

``EVENT_HANDLERS`` maps an event ``TYPE`` (``"*"``: every type) to the handler classes that react
to it; the relay resolves each class from a REQUEST scope bound to the event's tenant, so every
handler must be provided by its context's provider. A handler's name in ``processed_events`` is
its context and class (``webhooks.FanOutToWebhooks``): renaming a class re-delivers old events
to it, so keep names stable once deployed.
"""

from collections.abc import Mapping

from prm.application.shared.events import EventHandler
from prm.application.webhooks.fan_out_to_webhooks import FanOutToWebhooks
from prm.ioc import (
    communications_campaigns,
    communications_consent,
    communications_inbox,
    communications_messages,
    communications_providers,
    communications_reminders,
    communications_templates,
    communications_virtual_visits,
    journeys,
    tickets,
)


def _merged(*registries: Mapping[str, tuple[type[EventHandler], ...]]) -> dict[str, tuple[type[EventHandler], ...]]:
    merged: dict[str, tuple[type[EventHandler], ...]] = {}
    for registry in registries:
        for event_type, handlers in registry.items():
            merged[event_type] = merged.get(event_type, ()) + handlers
    return merged


EVENT_HANDLERS: Mapping[str, tuple[type[EventHandler], ...]] = _merged(
    {"*": (FanOutToWebhooks,)},
    communications_templates.EVENTS,
    communications_providers.EVENTS,
    communications_consent.EVENTS,
    communications_messages.EVENTS,
    communications_virtual_visits.EVENTS,
    communications_reminders.EVENTS,
    communications_inbox.EVENTS,
    communications_campaigns.EVENTS,
    journeys.EVENTS,
    tickets.EVENTS,
)


def handlers_for(event_type: str) -> tuple[type[EventHandler], ...]:
    """The handler classes for ``event_type``: those registered for it, then those for ``"*"``."""
    return EVENT_HANDLERS.get(event_type, ()) + EVENT_HANDLERS.get("*", ())


def handler_name(handler: type) -> str:
    """``<context>.<ClassName>`` from the handler's module (``prm.application.<context>.…``)."""
    parts = handler.__module__.split(".")
    context = parts[2] if len(parts) > 2 and parts[:2] == ["prm", "application"] else handler.__module__
    return f"{context}.{handler.__qualname__}"
