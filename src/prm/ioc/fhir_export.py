"""Wiring: FHIR Bulk Data export (issue 14)."""

from collections.abc import Mapping

from dishka import Provider, Scope

from prm.application.shared.jobs import JobHandler


class FhirExportProvider(Provider):
    scope = Scope.REQUEST


JOBS: Mapping[str, type[JobHandler]] = {}
