"""Wiring: Offline sync (issue 14)."""

from collections.abc import Mapping

from dishka import Provider, Scope

from prm.application.shared.jobs import JobHandler


class SyncProvider(Provider):
    scope = Scope.REQUEST


JOBS: Mapping[str, type[JobHandler]] = {}
