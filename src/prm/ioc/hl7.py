"""Wiring for issue 14's HL7 v2 ingestion; filled in by the change that builds it."""

from dishka import Provider, Scope


class Hl7Provider(Provider):
    scope = Scope.REQUEST
