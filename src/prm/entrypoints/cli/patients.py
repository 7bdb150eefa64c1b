"""``prm patients …``: batch jobs over a tenant's patients; filled in by the change that builds it."""

from collections.abc import Callable
from typing import Any


def add_patients_command(commands: Any, settings: Callable[..., Any]) -> None:
    """Add ``prm patients`` to ``commands`` (the top parser's sub-parsers)."""
    del commands, settings
