"""Wiring for issue 13's tags; filled in by the change that builds it."""

from dishka import Provider, Scope


class TagsProvider(Provider):
    scope = Scope.REQUEST
