"""Wiring for issue 14's FHIR R4 REST interface; filled in by the change that builds it."""

from dishka import Provider, Scope


class FhirProvider(Provider):
    scope = Scope.REQUEST
