"""The system clock: the one place that reads the time."""

from datetime import UTC, datetime

from prm.application.shared.ports import Clock


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)
