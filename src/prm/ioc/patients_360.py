"""Wiring for issue 13's patients 360; filled in by the change that builds it."""

from dishka import Provider, Scope


class Patients360Provider(Provider):
    scope = Scope.REQUEST
