"""Wiring: FHIR R4 create, update, conditional create and transaction/batch Bundles (issue 14)."""

from collections.abc import Mapping

from dishka import Provider, Scope

from prm.application.shared.jobs import JobHandler


class FhirWriteProvider(Provider):
    scope = Scope.REQUEST


JOBS: Mapping[str, type[JobHandler]] = {}
