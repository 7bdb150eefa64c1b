"""The server's changes since a device's cursor (reference: HealthSync ``GET /sync/download``)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from prm.application.shared.audit import AuditAction, AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, UnitOfWork
from prm.application.sync.permissions import may
from prm.application.sync.ports import ChangeFeed, SyncRecords
from prm.domain.appointments.model import Appointment
from prm.domain.patients.model import Patient, PatientStatus
from prm.domain.sync.errors import SyncNotPermitted
from prm.domain.sync.model import FeedEntry, FeedPosition, SyncEntity, TombstoneReason

MAX_LIMIT = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadChangesQuery:
    """``since``: a ``next_cursor`` of an earlier download (``None``: everything); ``limit``:
    feed entries per page, 1 to :data:`MAX_LIMIT`."""

    since: str | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class Tombstone:
    """A record that left the device's working set at ``deleted_at`` (UTC), and why."""

    reason: TombstoneReason
    deleted_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncedRecord:
    """One changed record: its current state (``patient`` or ``appointment``) or a tombstone."""

    entity: SyncEntity
    entity_id: UUID
    patient: Patient | None = None
    appointment: Appointment | None = None
    tombstone: Tombstone | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadedChanges:
    """``next_cursor`` is where the next download starts (the given ``since`` when nothing is new);
    ``has_more`` says whether entries are waiting after this page."""

    records: list[SyncedRecord]
    next_cursor: str | None
    has_more: bool
    server_time: datetime


_PATIENT_TOMBSTONES = {
    PatientStatus.INACTIVE: TombstoneReason.DEACTIVATED,
    PatientStatus.MERGED: TombstoneReason.MERGED,
}


class DownloadChanges:
    """Every patient and appointment changed after the cursor, each once per page in feed order,
    in its current state (with ``version`` and ``updated_at``); a deactivated or merged patient
    and a removed appointment as a tombstone.

    - Only the kinds the caller may read (``patients:read``; appointments need
      ``appointments:read``): ``SyncNotPermitted`` (403) for neither.
    - ``InvalidCursor`` (422, field ``since``) for a cursor not given by this server.
    - Records one ``read`` audit event naming every patient sent (as list pages do), and commits.
    """

    def __init__(
        self,
        feed: ChangeFeed,
        records: SyncRecords,
        audit: AuditTrail,
        uow: UnitOfWork,
        clock: Clock,
        context: RequestContext,
    ) -> None:
        self._feed = feed
        self._records = records
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._context = context

    async def __call__(self, query: DownloadChangesQuery) -> DownloadedChanges:
        entities = frozenset(e for e in SyncEntity if may(self._context, e, "read"))
        if not entities:
            raise SyncNotPermitted("patients:read or appointments:read is needed to download changes")
        position = FeedPosition.parse(query.since) if query.since is not None else None
        limit = max(1, min(query.limit, MAX_LIMIT))
        server_time = self._clock.now()
        entries = list(await self._feed.after(position, entities, limit + 1))
        has_more = len(entries) > limit
        entries = entries[:limit]
        latest: dict[tuple[SyncEntity, UUID], FeedEntry] = {}
        for entry in entries:  # a record changed twice in the page is sent once, where it last changed
            latest.pop((entry.entity, entry.entity_id), None)
            latest[(entry.entity, entry.entity_id)] = entry
        patients = await self._records.patients([i for e, i in latest if e is SyncEntity.PATIENT])
        appointments = await self._records.appointments([i for e, i in latest if e is SyncEntity.APPOINTMENT])
        records = [
            _record(entry, patients.get(entry.entity_id), appointments.get(entry.entity_id))
            for entry in latest.values()
        ]
        sent = [r.entity_id for r in records if r.entity is SyncEntity.PATIENT]
        await self._audit.record(AuditAction.READ, "patient", sent)
        await self._uow.commit()
        return DownloadedChanges(
            records=records,
            next_cursor=entries[-1].position.token() if entries else query.since,
            has_more=has_more,
            server_time=server_time,
        )


def _record(entry: FeedEntry, patient: Patient | None, appointment: Appointment | None) -> SyncedRecord:
    if entry.entity is SyncEntity.PATIENT:
        reason = TombstoneReason.DELETED if patient is None else _PATIENT_TOMBSTONES.get(patient.status)
        if reason is None:
            return SyncedRecord(entity=entry.entity, entity_id=entry.entity_id, patient=patient)
        return SyncedRecord(
            entity=entry.entity,
            entity_id=entry.entity_id,
            tombstone=Tombstone(reason=reason, deleted_at=entry.changed_at),
        )
    if appointment is None:
        return SyncedRecord(
            entity=entry.entity,
            entity_id=entry.entity_id,
            tombstone=Tombstone(reason=TombstoneReason.DELETED, deleted_at=entry.changed_at),
        )
    return SyncedRecord(entity=entry.entity, entity_id=entry.entity_id, appointment=appointment)
