"""FHIR R4 create, update, conditional create and transaction/batch Bundles (issue 14)."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
