"""``prm import fhir PATH`` (issue 14)."""

from collections.abc import Callable
from typing import Any


def add_fhir_import(sources: Any, settings: Callable[[], Any]) -> None:
    """Register ``prm import fhir`` on the ``prm import`` sub-parsers ``sources``."""
