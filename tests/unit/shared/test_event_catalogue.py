"""Events are a contract: every context's catalogue names each event by a stable TYPE and VERSION,
no TYPE is declared twice across contexts, and payloads are ids, codes and times."""

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar, get_type_hints
from uuid import UUID

import pytest

import prm.domain
from prm.adapters.jobs.retry import backoff
from prm.domain.shared.events import EVENT_TYPE, EventCatalogueError, aggregate_id, catalogue, event_type

CONTEXTS = sorted(m.name for m in pkgutil.iter_modules(prm.domain.__path__) if m.name != "shared")


def catalogues() -> dict[str, dict[str, type]]:
    found = {}
    for context in CONTEXTS:
        try:
            module = importlib.import_module(f"prm.domain.{context}.events")
        except ModuleNotFoundError:
            continue
        found[context] = dict(module.CATALOGUE)
    return found


def test_every_context_that_publishes_has_a_catalogue_and_types_are_unique_across_contexts() -> None:
    seen: dict[str, str] = {}
    for context, events in catalogues().items():
        for type_ in events:
            assert EVENT_TYPE.match(type_), (context, type_)
            assert type_ not in seen, f"{type_} is declared by {seen.get(type_)} and {context}"
            seen[type_] = context
    assert {"patient.registered", "appointment.booked", "practitioner.registered"} <= set(seen)


def test_payloads_hold_ids_codes_and_times_only() -> None:
    """No field of any event may be named like personal data (a review guard, not a proof)."""
    personal = {"name", "family", "given", "phone", "email", "birth_date", "address", "body", "text", "message"}
    for events in catalogues().values():
        for cls in events.values():
            for field in dataclasses.fields(cls):
                assert not any(word in field.name.split("_") for word in personal), (cls.__name__, field.name)
            assert get_type_hints(cls)  # every field is typed


def test_a_catalogue_refuses_bad_types_missing_versions_and_repeats() -> None:
    @dataclass(frozen=True)
    class Good:
        TYPE: ClassVar[str] = "thing.happened"
        VERSION: ClassVar[int] = 1
        thing_id: UUID

    @dataclass(frozen=True)
    class BadType:
        TYPE: ClassVar[str] = "ThingHappened"
        VERSION: ClassVar[int] = 1
        thing_id: UUID

    @dataclass(frozen=True)
    class NoVersion:
        TYPE: ClassVar[str] = "thing.other"
        thing_id: UUID

    @dataclass(frozen=True)
    class Again:
        TYPE: ClassVar[str] = "thing.happened"
        VERSION: ClassVar[int] = 2
        thing_id: UUID

    assert catalogue(Good) == {"thing.happened": Good}
    for bad in ((BadType,), (NoVersion,), (Good, Again)):
        with pytest.raises(EventCatalogueError):
            catalogue(*bad)
    thing = UUID(int=7)
    assert event_type(Good(thing)) == "thing.happened"
    assert aggregate_id(Good(thing)) == thing
    with pytest.raises(EventCatalogueError):
        event_type(object())


def test_backoff_grows_with_the_attempt_and_stays_within_its_bounds() -> None:
    for attempt in range(1, 12):
        waits = [backoff(attempt) for _ in range(200)]
        assert all(timedelta(seconds=0.5) <= w <= timedelta(seconds=min(300, 2 * 2**attempt)) for w in waits)
    assert max(backoff(8) for _ in range(200)) > timedelta(seconds=60)  # later attempts wait longer
