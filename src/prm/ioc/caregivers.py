"""Wiring for issue 13's caregivers; filled in by the change that builds it."""

from dishka import Provider, Scope


class CaregiversProvider(Provider):
    scope = Scope.REQUEST
