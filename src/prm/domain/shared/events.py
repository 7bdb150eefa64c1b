"""Domain events as a contract: a stable ``TYPE`` and a ``VERSION`` on every event class.

Each context lists what it publishes in its ``domain/<context>/events.py`` and ends the module
with a catalogue (``CATALOGUE = catalogue(PatientRegistered, ...)``). Consumers (in-process
handlers, webhooks, NATS subscribers) know an event by ``TYPE`` and ``VERSION`` only, never by its
class name, so a class can be renamed without breaking anyone.

- ``TYPE`` is ``<aggregate>.<happening>`` in lower snake case (``appointment.booked``,
  ``patient.merged``); it never changes once published.
- ``VERSION`` starts at 1 and goes up when the payload changes incompatibly (a field removed or
  its meaning changed); adding a field is compatible.
- The first field is the aggregate's id (the outbox keys on it and keeps order per aggregate).
- Payloads carry ids, codes and UTC times, never names, birth dates, phones, emails or free text.

>>> from dataclasses import dataclass
>>> from typing import ClassVar
>>> from uuid import UUID
>>> @dataclass(frozen=True)
... class ThingHappened:
...     TYPE: ClassVar[str] = "thing.happened"
...     VERSION: ClassVar[int] = 1
...     thing_id: UUID
"""

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol
from uuid import UUID

EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
"""``aggregate.happening``: lower snake case words joined by dots."""


class DomainEvent(Protocol):
    """What every event class declares (a frozen dataclass whose first field is the aggregate id)."""

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]


class EventCatalogueError(Exception):
    """A catalogue is malformed (a bad or repeated ``TYPE``, a missing ``VERSION``)."""


def catalogue(*events: type) -> Mapping[str, type]:
    """``{TYPE: class}`` for the given event classes, checked: raises :class:`EventCatalogueError`
    for a ``TYPE`` not matching :data:`EVENT_TYPE`, a ``VERSION`` that is not a positive int, a
    class that is not a dataclass, or a ``TYPE`` listed twice."""
    result: dict[str, type] = {}
    for event in events:
        type_ = getattr(event, "TYPE", None)
        version = getattr(event, "VERSION", None)
        if not isinstance(type_, str) or not EVENT_TYPE.match(type_):
            raise EventCatalogueError(f"{event.__name__}.TYPE must look like 'aggregate.happening', got {type_!r}")
        if not isinstance(version, int) or version < 1:
            raise EventCatalogueError(f"{event.__name__}.VERSION must be a positive int, got {version!r}")
        if not dataclasses.is_dataclass(event) or not dataclasses.fields(event):
            raise EventCatalogueError(f"{event.__name__} must be a dataclass whose first field is the aggregate id")
        if type_ in result:
            raise EventCatalogueError(f"{type_!r} is declared by both {result[type_].__name__} and {event.__name__}")
        result[type_] = event
    return result


def event_type(event: object) -> str:
    """The event's ``TYPE``; raises :class:`EventCatalogueError` for an object that has none."""
    type_ = getattr(event, "TYPE", None)
    if not isinstance(type_, str):
        raise EventCatalogueError(f"{type(event).__name__} declares no TYPE: add it to its context's catalogue")
    return type_


def event_version(event: object) -> int:
    """The event's ``VERSION``; raises :class:`EventCatalogueError` for an object that has none."""
    version = getattr(event, "VERSION", None)
    if not isinstance(version, int):
        raise EventCatalogueError(f"{type(event).__name__} declares no VERSION")
    return version


_FIRST_FIELD: dict[type, str] = {}
"""The name of each event class's first field, found once (``dataclasses.fields`` builds a tuple
of every field on each call: a large import writes an event a row)."""


def aggregate_id(event: object) -> UUID:
    """The value of the event's first field (the aggregate's id)."""
    kind = type(event)
    name = _FIRST_FIELD.get(kind)
    if name is None:
        name = _FIRST_FIELD[kind] = dataclasses.fields(event)[0].name  # type: ignore[arg-type]
    value: Any = getattr(event, name)
    return value if isinstance(value, UUID) else UUID(str(value))
