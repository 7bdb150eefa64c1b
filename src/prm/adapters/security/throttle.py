"""Failed-login counting in the process's memory (a sliding one-minute window per key).

Each server process counts its own failures: with N processes an attacker gets up to N times the
limit. A shared store (Redis, the database) would close that gap; one process per host is the
deployment this is sized for.
"""

import math
import time
from collections import deque
from collections.abc import Callable, Sequence

from prm.application.identity.ports import LoginThrottle
from prm.domain.shared.errors import RateLimited

WINDOW_SECONDS = 60.0
MAX_KEYS = 100_000


class MemoryLoginThrottle(LoginThrottle):
    """At most ``limit`` failures per key in any 60 seconds; the next attempt is refused until the
    oldest failure leaves the window."""

    def __init__(self, limit: int = 10, now: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._now = now
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - WINDOW_SECONDS:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def check(self, keys: Sequence[str]) -> None:
        now = self._now()
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self._limit:
                wait = max(1, math.ceil(failures[0] + WINDOW_SECONDS - now))
                raise RateLimited(f"too many failed logins: try again in {wait} seconds", retry_after=wait)

    def failed(self, keys: Sequence[str]) -> None:
        now = self._now()
        if len(self._failures) > MAX_KEYS:  # bound memory under a spray of addresses
            self._failures.clear()
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
