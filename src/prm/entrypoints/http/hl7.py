"""HTTP routes of issue 14's HL7 v2 ingestion; filled in by the change that builds it."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
"""This module's controllers and handlers, registered by ``app.py``."""
