"""Per-event channel preferences of a patient: the notification preference matrix of MediKeep
(``GET /notifications/preferences/matrix``: events x channels -> enabled), with PRM's channels.

A missing entry means enabled; a disabled one blocks the event's messages on that channel
(``preference:<event>:<channel>``). Preferences only narrow what consent allows: an enabled
entry never overrides an opt-out or an absent consent.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from prm.domain.communications.channels import Channel, TemplateCategory
from prm.domain.shared.errors import RuleViolated

EVENT_TYPES = (
    "appointment.booked",
    "appointment.reminder",
    "appointment.cancelled",
    "appointment.rescheduled",
    "waitlist.offer_made",
    "survey.invitation",
    "campaign",
)
"""The events a patient may turn off per channel (PRM's event types; ``campaign`` for marketing)."""


class InvalidPreference(RuleViolated):
    """An unknown event type or channel in a preference matrix (HTTP 422 naming it)."""

    code = "communications.invalid_preference"


def preference_event(event_type: str | None, category: str) -> str | None:
    """The matrix row a message falls under: its event type, else ``campaign`` for campaign
    messages, else none (no preference applies)."""
    if event_type is not None:
        return event_type
    return "campaign" if category == _CAMPAIGN else None


_CAMPAIGN = TemplateCategory.CAMPAIGN.value  # an enum member's .value is a property lookup: not per message


@dataclass(frozen=True, slots=True)
class PreferenceMatrix:
    """The entries set for one patient (``(event_type, channel) -> enabled``)."""

    entries: Mapping[tuple[str, Channel], bool] = field(default_factory=dict)

    def enabled(self, event_type: str, channel: Channel) -> bool:
        return self.entries.get((event_type, channel), True)

    def rows(self) -> dict[str, dict[Channel, bool]]:
        """Every event of :data:`EVENT_TYPES` by every channel, defaults filled in."""
        return {event: {ch: self.enabled(event, ch) for ch in Channel} for event in EVENT_TYPES}


def validate_event_type(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise InvalidPreference(
            f"event type must be one of {', '.join(EVENT_TYPES)}", field=f"preferences.{event_type}"
        )
    return event_type


def preference_block(matrix: PreferenceMatrix, event_type: str | None, category: str, channel: Channel) -> str | None:
    """``preference:<event>:<channel>`` when the patient turned this event off on the channel."""
    event = preference_event(event_type, category)
    if event is not None and not matrix.enabled(event, channel):
        return f"preference:{event}:{channel.value}"
    return None
