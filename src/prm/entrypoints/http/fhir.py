"""HTTP routes of issue 14's FHIR R4 REST interface; filled in by the change that builds it."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
"""This module's controllers and handlers, registered by ``app.py``."""
