"""``prm hl7 …``: the MLLP listener; filled in by the change that builds it."""

from collections.abc import Callable
from typing import Any


def add_hl7_command(commands: Any, settings: Callable[..., Any]) -> None:
    """Add ``prm hl7`` to ``commands`` (the top parser's sub-parsers)."""
    del commands, settings
