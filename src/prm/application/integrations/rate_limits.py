"""The hourly limit on events per source system (reference API: "Event creation endpoint: 1000
requests/hour per source system").

A fixed window of one hour (UTC, on the hour): each source system of a tenant may send
``rate_limit_per_hour`` events per window, the limit of its active configuration, else
:data:`~prm.domain.integrations.config.DEFAULT_RATE_LIMIT_PER_HOUR`. Only new events count (a
replay of a stored event is answered without counting, so that retrying is always safe). A
request that would pass the limit is refused whole, and counts nothing.
"""

import math
from collections.abc import Mapping
from datetime import datetime, timedelta

from prm.application.integrations.ports import IngestionCounter, IntegrationConfigRepository
from prm.domain.integrations.config import DEFAULT_RATE_LIMIT_PER_HOUR
from prm.domain.integrations.errors import IntegrationRateLimited

WINDOW = timedelta(hours=1)


def window_start(now: datetime) -> datetime:
    """The start of the window holding ``now`` (UTC, on the hour)."""
    return now.replace(minute=0, second=0, microsecond=0)


async def count_events(
    configs: IntegrationConfigRepository, counter: IngestionCounter, counts: Mapping[str, int], now: datetime
) -> None:
    """Count ``counts`` (new events per source system) in the current window; raises
    :class:`IntegrationRateLimited` (429, ``retry_after`` the seconds until the window ends) if a
    system passes its limit. Run it in the unit of work that stores the events."""
    wanted = {source: n for source, n in counts.items() if n > 0}
    if not wanted:
        return
    limits = await configs.rate_limits(sorted(wanted))
    start = window_start(now)
    totals = await counter.add(start, wanted)
    for source in sorted(wanted):
        limit = limits.get(source, DEFAULT_RATE_LIMIT_PER_HOUR)
        if totals.get(source, 0) > limit:
            wait = max(1, math.ceil((start + WINDOW - now).total_seconds()))
            raise IntegrationRateLimited(
                f"source system {source} may send {limit} events an hour; this request's {wanted[source]} would "
                f"pass it: try again in {wait} seconds",
                retry_after=wait,
            )
