"""Full jitter for message retries: a uniformly random wait between zero and the ceiling
(AWS Architecture Blog, "Exponential Backoff And Jitter")."""

import random
from datetime import timedelta

from prm.application.communications.messages_ports import Jitter


class FullJitter(Jitter):
    def __init__(self) -> None:
        self._rng = random.Random()

    def __call__(self, ceiling: timedelta) -> timedelta:
        return timedelta(seconds=self._rng.uniform(0, ceiling.total_seconds()))
