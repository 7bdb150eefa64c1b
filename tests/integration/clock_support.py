"""A clock for integration tests that can be moved forward, and the dishka provider that puts it
in place of the application's."""

from datetime import UTC, datetime, timedelta

from dishka import Provider, Scope, provide

from prm.application.shared.ports import Clock


class MovableClock(Clock):
    """The real time, moved forward by ``offset`` (what the app's own clock wrote stays real)."""

    def __init__(self, offset: timedelta = timedelta()) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class UseClock(Provider):
    """Overrides the application's ``Clock`` with ``clock``."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock

    @provide(scope=Scope.APP, override=True)
    def clock(self) -> Clock:
        return self._clock
