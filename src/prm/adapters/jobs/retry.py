"""How long a failed job or event handler waits before its next attempt.

Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
attempt ``n`` (1-based) waits a uniformly random time in ``[0, min(cap, base * 2**n)]``, at least
``floor``, so that many failures at once do not retry in step.
"""

import random
from datetime import timedelta

MAX_JOB_ATTEMPTS = 8
"""A job is tried this many times (about 20 minutes of retries in all) before it fails."""

MAX_HANDLER_ATTEMPTS = 10
"""An event handler is tried this many times on one event before the failure is parked."""


def backoff(attempt: int, *, base: float = 2.0, cap: float = 300.0, floor: float = 0.5) -> timedelta:
    """The wait before attempt ``attempt + 1`` after attempt ``attempt`` (1-based) failed, in
    ``[floor, min(cap, base * 2**attempt)]`` seconds."""
    ceiling = min(cap, base * 2 ** max(attempt, 0))
    return timedelta(seconds=max(floor, random.uniform(0, ceiling)))
