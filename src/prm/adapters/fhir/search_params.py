"""FHIR R4 search parameter values (https://hl7.org/fhir/R4/search.html) turned into PRM's terms.

Pure functions; each raises ``RuleViolated`` (422) naming the parameter for a value it cannot read.

- references (``reference`` type): ``Type/<id>``, a bare ``<id>`` or an absolute URL ending in
  ``Type/<id>``; PRM ids are UUIDs;
- dates (``date`` type) with the prefixes ``eq`` (default), ``ge``, ``gt``, ``le``, ``lt``; a value
  is ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a ``dateTime`` (``YYYY-MM-DDThh:mm[:ss[.fff]]`` with
  ``Z`` or an offset; without one, UTC). A value stands for the range its precision covers (a
  day, a month ...), as FHIR's search rules say; several values must all hold (an AND);
- tokens (``token`` type): ``code`` or ``system|code``, several codes comma-separated (an OR).
"""

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from prm.domain.shared.errors import RuleViolated

DATE_PREFIXES = ("eq", "ge", "gt", "le", "lt")
_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
E = TypeVar("E", bound=StrEnum)
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(2201, 1, 1, tzinfo=UTC)


def reference_id(value: str, resource_type: str, parameter: str) -> UUID:
    """The id in a reference to a ``resource_type``; 422 naming ``parameter`` otherwise."""
    text = value.strip()
    head, _, tail = text.rpartition("/")
    if head:
        kind = head.rpartition("/")[2]
        if kind != resource_type:
            raise RuleViolated(f"{parameter} must reference a {resource_type}: {resource_type}/<id>", field=parameter)
    try:
        return UUID(tail)
    except ValueError:
        raise RuleViolated(f"{parameter} must be {resource_type}/<id> or an id (a UUID)", field=parameter) from None


@dataclass(frozen=True, slots=True)
class InstantRange:
    """``[starts_from, starts_before)`` in UTC; ``None``: unbounded on that side."""

    starts_from: datetime | None = None
    starts_before: datetime | None = None

    def is_empty(self) -> bool:
        return (
            self.starts_from is not None and self.starts_before is not None and self.starts_from >= self.starts_before
        )


def date_range(values: Iterable[str], parameter: str) -> InstantRange:
    """The instants that satisfy every ``[prefix]value`` of a ``date`` parameter (see the module
    docstring); 422 naming ``parameter`` for an unknown prefix or a value that is not a date."""
    lower: datetime | None = None
    upper: datetime | None = None
    for raw in values:
        prefix, text = _split_prefix(raw.strip(), parameter)
        start, end = _precision_range(text, parameter)
        low: datetime | None = None
        high: datetime | None = None
        if prefix == "eq":
            low, high = start, end
        elif prefix == "ge":
            low = start
        elif prefix == "gt":
            low = end
        elif prefix == "le":
            high = end
        else:  # lt
            high = start
        if low is not None:
            lower = low if lower is None else max(lower, low)
        if high is not None:
            upper = high if upper is None else min(upper, high)
    return InstantRange(lower, upper)


def _split_prefix(value: str, parameter: str) -> tuple[str, str]:
    if value[:2].isalpha():
        if value[:2] not in DATE_PREFIXES:
            raise RuleViolated(
                f"{parameter}: the prefix {value[:2]!r} is not supported (one of {', '.join(DATE_PREFIXES)})",
                field=parameter,
            )
        return value[:2], value[2:]
    return "eq", value


def _precision_range(text: str, parameter: str) -> tuple[datetime, datetime]:
    """The range ``[start, end)`` that a FHIR date or dateTime of some precision covers, in UTC."""
    match = _DATE.match(text)
    if not match:
        raise RuleViolated(f"{parameter} must be YYYY, YYYY-MM, YYYY-MM-DD or a dateTime with a zone", field=parameter)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        if month is None:
            start = datetime(int(year), 1, 1, tzinfo=UTC)
            end = datetime(int(year) + 1, 1, 1, tzinfo=UTC)
        elif day is None:
            start = datetime(int(year), int(month), 1, tzinfo=UTC)
            end = start + timedelta(days=calendar.monthrange(int(year), int(month))[1])
        elif hour is None:
            start = datetime(int(year), int(month), int(day), tzinfo=UTC)
            end = start + timedelta(days=1)
        else:
            local = datetime.fromisoformat(
                f"{year}-{month}-{day}T{hour}:{minute}:{second or '00'}{fraction or ''}"
                f"{'+00:00' if zone in (None, 'Z') else zone}"
            )
            start = local.astimezone(UTC)
            end = start + (timedelta(microseconds=1) if fraction else timedelta(seconds=1 if second else 60))
    except (ValueError, OverflowError):
        raise RuleViolated(f"{parameter}: {text!r} is not a valid date", field=parameter) from None
    if start < _EARLIEST or end > _LATEST:
        raise RuleViolated(f"{parameter} must lie in the years 1900 to 2200", field=parameter)
    return start, end


def token_codes(values: Sequence[str], kind: type[E], parameter: str, system: str | None = None) -> frozenset[E]:
    """The codes of a ``token`` parameter (comma-separated, an OR; ``system|code`` allowed when the
    system is ``system``) as members of ``kind``; 422 naming ``parameter`` for an unknown code."""
    found: set[E] = set()
    for value in values:
        for part in value.split(","):
            code = part.strip()
            if "|" in code:
                given_system, _, code = code.partition("|")
                if given_system and system and given_system != system:
                    raise RuleViolated(f"{parameter}: the code system must be {system}", field=parameter)
            try:
                found.add(kind(code))
            except ValueError:
                allowed = ", ".join(m.value for m in kind)
                raise RuleViolated(f"{parameter} must be one of: {allowed}", field=parameter) from None
    return frozenset(found)
