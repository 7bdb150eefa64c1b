"""Tunable rules of scheduling, from the settings (``PRM_SLOT_HOLD_MINUTES``, ``PRM_WAITLIST_OFFER_MINUTES``)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class SchedulingPolicy:
    """``hold_for``: how long find-slots keeps its slots; ``offer_for``: how long a waitlist offer stands."""

    hold_for: timedelta = timedelta(minutes=5)
    offer_for: timedelta = timedelta(hours=2)
