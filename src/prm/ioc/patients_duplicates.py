"""Wiring for issue 13's patients duplicates; filled in by the change that builds it."""

from dishka import Provider, Scope


class PatientsDuplicatesProvider(Provider):
    scope = Scope.REQUEST
