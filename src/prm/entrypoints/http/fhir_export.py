"""FHIR Bulk Data export (issue 14)."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
