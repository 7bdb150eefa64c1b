"""The communications context's patient references for merges, over its own tables.

- Threads are one per patient and channel: when both patients have a thread on a channel, the
  source thread's messages move into the survivor's thread (whose unread count adds the source's
  and whose last message and last inbound times become the later of the two) and the source
  thread is removed; the source's other threads move to the survivor. Unmatched threads that
  proposed the source as a candidate propose the survivor instead.
- Messages, consents (a history: the latest record per channel is the current consent, whoever
  it was recorded for) and virtual visits move to the survivor.
- Preferences are one per patient, event type and channel: where the survivor has its own, it
  wins and the source's is removed; the others move.

Every removed row is kept whole in the changes, so that an undo puts it back.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from prm.adapters.sql import patient_references as refs
from prm.adapters.sql.communications_consent_tables import communication_consents, communication_preferences
from prm.adapters.sql.communications_inbox_tables import communication_threads
from prm.adapters.sql.communications_messages_tables import communication_messages
from prm.adapters.sql.communications_virtual_visits_tables import communications_virtual_visits
from prm.adapters.sql.connection import SqlConnection
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId

_threads = communication_threads
_messages = communication_messages
_preferences = communication_preferences
_TABLES = {
    t.name: t for t in (_threads, _messages, communication_consents, _preferences, communications_virtual_visits)
}
_COUNTED = (_threads, _messages, communication_consents, _preferences, communications_virtual_visits)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a and b else a or b


class SqlCommunicationsPatientReferences(PatientReferences):
    context = "communications"

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def _threads_of(self, patient_id: PatientId) -> dict[str, Any]:
        rows = await self._connection.execute(
            sa.select(
                _threads.c.id,
                _threads.c.channel,
                _threads.c.unread_count,
                _threads.c.last_message_at,
                _threads.c.last_inbound_at,
            ).where(_threads.c.tenant_id == self._tenant_id, _threads.c.patient_id == patient_id)
        )
        return {row.channel: row for row in rows.all()}

    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        connection, tenant = self._connection, self._tenant_id
        changes: list[ReferenceChange] = []
        theirs = await self._threads_of(target)
        for channel, thread in (await self._threads_of(source)).items():
            kept = theirs.get(channel)
            if kept is None:
                continue
            changes += await refs.move(  # the source's messages of the thread, in one statement
                connection,
                _messages,
                tenant,
                {"thread_id": thread.id, "patient_id": source},
                {"thread_id": kept.id, "patient_id": target},
            )
            changes += await refs.repoint(connection, _messages, tenant, thread.id, kept.id, column="thread_id")
            before = {
                "unread_count": kept.unread_count,
                "last_message_at": kept.last_message_at,
                "last_inbound_at": kept.last_inbound_at,
            }
            after = {
                "unread_count": kept.unread_count + thread.unread_count,
                "last_message_at": _later(kept.last_message_at, thread.last_message_at),
                "last_inbound_at": _later(kept.last_inbound_at, thread.last_inbound_at),
            }
            changes.append(await refs.update_row(connection, _threads, tenant, {"id": kept.id}, before, after))
            changes += await refs.delete_returning(connection, _threads, tenant, [_threads.c.id == thread.id])
        changes += await refs.repoint(connection, _threads, tenant, source, target)
        changes += await self._repoint_candidates(source, target)
        changes += await refs.repoint(connection, _messages, tenant, source, target)
        changes += await refs.repoint(connection, communication_consents, tenant, source, target)
        theirs_too = _preferences.alias("theirs")
        collides = (
            sa.select(sa.literal(1))
            .where(
                theirs_too.c.tenant_id == tenant,
                theirs_too.c.patient_id == target,
                theirs_too.c.event_type == _preferences.c.event_type,
                theirs_too.c.channel == _preferences.c.channel,
            )
            .exists()
        )
        changes += await refs.delete_returning(
            connection, _preferences, tenant, [_preferences.c.patient_id == source, collides]
        )
        changes += await refs.repoint(connection, _preferences, tenant, source, target)
        changes += await refs.repoint(connection, communications_virtual_visits, tenant, source, target)
        return changes

    def _proposing(self, patient_id: PatientId) -> sa.Select[Any]:
        return sa.select(_threads.c.id, _threads.c.candidate_patient_ids).where(
            _threads.c.tenant_id == self._tenant_id,
            _threads.c.patient_id.is_(None),
            sa.cast(_threads.c.candidate_patient_ids, sa.Text).contains(str(patient_id), autoescape=True),
        )

    async def _repoint_candidates(self, source: PatientId, target: PatientId) -> list[ReferenceChange]:
        changes = []
        for row in (await self._connection.execute(self._proposing(source))).all():
            old = list(row.candidate_patient_ids)
            if str(source) not in old:
                continue
            new = list(dict.fromkeys(str(target) if c == str(source) else c for c in old))
            changes.append(
                await refs.update_row(
                    self._connection,
                    _threads,
                    self._tenant_id,
                    {"id": row.id},
                    {"candidate_patient_ids": old},
                    {"candidate_patient_ids": new},
                )
            )
        return changes

    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        await refs.restore(self._connection, _TABLES, self._tenant_id, changes)

    async def count(self, patient_id: PatientId) -> int:
        total = 0
        for table in _COUNTED:
            total += await refs.count(self._connection, table, self._tenant_id, patient_id)
        proposing = (await self._connection.execute(self._proposing(patient_id))).all()
        return total + sum(1 for row in proposing if str(patient_id) in row.candidate_patient_ids)
