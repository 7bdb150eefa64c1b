"""Which event types a subscription wants: patterns of dot-separated words with ``*`` wildcards.

- ``*`` stands for any run of characters, dots included: ``appointment.*`` matches
  ``appointment.booked`` and ``appointment.no_show``; ``*.cancelled`` matches every
  cancellation; ``*`` alone matches every event type.
- Otherwise a pattern is an event type (lower snake case words joined by dots), matched exactly.
- The webhooks context's own events (``webhook.*``) are matched only by a pattern that names
  them itself (one starting with ``webhook.``): ``*`` and ``*.disabled`` do not reach them, so
  that a subscription's own life cycle never fans out into a loop of deliveries about
  deliveries unless someone asked for it.

>>> wants(("appointment.*",), "appointment.booked"), wants(("*",), "webhook.subscription_disabled")
(True, False)
"""

import functools
import re
from collections.abc import Iterable

from prm.domain.webhooks.errors import InvalidSubscription

OWN_PREFIX = "webhook."
"""The event types of this context; see the module docstring."""
MAX_PATTERNS = 50
MAX_PATTERN_LENGTH = 100

_PATTERN = re.compile(r"^(\*|[a-z0-9_*]+(\.[a-z0-9_*]+)*)$")


def check_patterns(patterns: Iterable[str]) -> tuple[str, ...]:
    """The patterns, without repeats, in the given order. Raises :class:`InvalidSubscription`
    naming ``event_types`` (or ``event_types.<i>``) when there are none, more than
    :data:`MAX_PATTERNS`, or one is not lower snake case words and ``*`` joined by dots."""
    result = tuple(dict.fromkeys(patterns))
    if not result:
        raise InvalidSubscription("event_types must name at least one event type or pattern", field="event_types")
    if len(result) > MAX_PATTERNS:
        raise InvalidSubscription(f"event_types may hold at most {MAX_PATTERNS} patterns", field="event_types")
    for index, pattern in enumerate(result):
        if len(pattern) > MAX_PATTERN_LENGTH or not _PATTERN.match(pattern):
            raise InvalidSubscription(
                "an event type pattern is lower snake case words joined by dots, with * for any run "
                "of characters (appointment.*, *.cancelled, *)",
                field=f"event_types.{index}",
            )
    return result


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


def matches(pattern: str, event_type: str) -> bool:
    """Whether one pattern matches ``event_type`` (see the module docstring for ``webhook.*``)."""
    if event_type.startswith(OWN_PREFIX) and not pattern.startswith(OWN_PREFIX):
        return False
    return _compiled(pattern).match(event_type) is not None


def wants(patterns: Iterable[str], event_type: str) -> bool:
    """Whether any of ``patterns`` matches ``event_type``."""
    return any(matches(p, event_type) for p in patterns)
