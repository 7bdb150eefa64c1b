"""HTTP routes of the communications context's consent part, under ``/api/v1/prm/communications``."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
