"""Reading python-hl7 messages: a field's component by HL7 v2 position (segment-field-repetition-
component-subcomponent, 1-based as in HL7's own notation: PID-3.4.1), the segments of a name, and
HL7 DTM times (HL7 v2.5.1 2.A.22) as UTC. A field that is not there reads as ``""``."""

from datetime import UTC, datetime
from typing import Any

import hl7  # type: ignore[import-untyped]  # python-hl7 ships no type information
import hl7.datatypes  # type: ignore[import-untyped]

MAX_REPETITIONS = 20
"""Repetitions of one field read at most (a longer list is cut there)."""


def value_at(segment: Any, number: int, repetition: int = 1, component: int = 1, sub: int = 1) -> str:
    """The text at ``number``.``repetition``.``component``.``sub`` of ``segment`` (1-based),
    stripped; ``""`` if absent."""
    try:
        return str(segment.extract_field(1, number, repetition, component, sub)).strip()
    except (IndexError, KeyError, AttributeError, TypeError):
        return ""


def repetitions(segment: Any, number: int) -> int:
    """How many repetitions field ``number`` holds (0 when empty), at most :data:`MAX_REPETITIONS`."""
    try:
        value = segment(number)
    except (IndexError, KeyError, TypeError):
        return 0
    if isinstance(value, hl7.Field) and value and isinstance(value[0], hl7.Repetition):
        return min(len(value), MAX_REPETITIONS)
    return 1 if str(value) else 0


def all_segments(message: Any, name: str) -> list[Any]:
    """Every ``name`` segment of ``message`` (``PID``), in order; ``[]`` when it has none."""
    try:
        return list(message.segments(name))
    except KeyError:
        return []


def first_segment(message: Any, name: str) -> Any:
    """The first ``name`` segment of ``message``, or ``None``."""
    found = all_segments(message, name)
    return found[0] if found else None


def hl7_datetime(value: str) -> datetime | None:
    """An HL7 DTM (``YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]``) as an aware UTC datetime (UTC when
    it has no offset); ``None`` when empty or unreadable."""
    if not value:
        return None
    try:
        moment = hl7.datatypes.parse_datetime(value)
    except (ValueError, TypeError):
        return None
    if not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
