"""Wiring for issue 13's search; filled in by the change that builds it."""

from dishka import Provider, Scope


class SearchProvider(Provider):
    scope = Scope.REQUEST
