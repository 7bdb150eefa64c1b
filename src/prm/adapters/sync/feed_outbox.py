"""The outbox that also feeds offline sync: every event of a patient or an appointment, in
whatever context or entrypoint it is raised, adds the record to the change feed in the same
transaction (so HTTP, HL7, FHIR and CLI changes all reach devices)."""

from collections.abc import Sequence
from uuid import UUID

from prm.adapters.sql.sync import SqlChangeFeed
from prm.application.shared.ports import Clock, Outbox
from prm.domain.shared.events import aggregate_id, event_type
from prm.domain.sync.model import SyncEntity

_ENTITY_OF_TYPE = {"patient": SyncEntity.PATIENT, "appointment": SyncEntity.APPOINTMENT}
_OTHER_PATIENT_FIELDS = ("target_patient_id",)
"""Fields naming another patient the event changed too (a merge's survivor)."""


def changed_records(events: Sequence[object]) -> list[tuple[SyncEntity, UUID]]:
    """The synced records ``events`` changed, in order, each once."""
    changed: dict[tuple[SyncEntity, UUID], None] = {}
    for event in events:
        entity = _ENTITY_OF_TYPE.get(event_type(event).partition(".")[0])
        if entity is None:
            continue
        changed[(entity, aggregate_id(event))] = None
        if entity is SyncEntity.PATIENT:
            for name in _OTHER_PATIENT_FIELDS:
                other = getattr(event, name, None)
                if isinstance(other, UUID):
                    changed[(SyncEntity.PATIENT, other)] = None
    return list(changed)


class FeedingOutbox(Outbox):
    """Decorates the unit of work's :class:`Outbox`: events go on to it unchanged."""

    def __init__(self, outbox: Outbox, feed: SqlChangeFeed, clock: Clock) -> None:
        self._outbox = outbox
        self._feed = feed
        self._clock = clock

    async def add(self, events: Sequence[object]) -> None:
        await self._outbox.add(events)
        self._feed.record(changed_records(events), self._clock.now())
