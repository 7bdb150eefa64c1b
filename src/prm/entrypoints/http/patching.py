"""What a ``PATCH`` body gives: its fields that are present (``msgspec.UNSET`` marks the absent)."""

from collections.abc import Callable, Collection
from typing import Any

import msgspec

NOT_CHANGES = frozenset({"version", "tenant_id"})
"""Fields of a PATCH body that say which record and version, not what changes."""


def given_fields(
    body: msgspec.Struct,
    convert: Callable[[Any], Any] = lambda value: value,
    *,
    skip: Collection[str] = NOT_CHANGES,
) -> dict[str, object]:
    """``{name: convert(value)}`` for each field of ``body`` that is not ``UNSET`` and not in
    ``skip`` (by default ``version`` and ``tenant_id``), in declaration order."""
    return {
        name: convert(value)
        for name in body.__struct_fields__
        if name not in skip and (value := getattr(body, name)) is not msgspec.UNSET
    }
