"""The tags context's patient references for merges: the source's tags move to the survivor.

A tag the survivor carries already would collide under ``tag_links``'s primary key: the source's
link of it is deleted (recorded whole, so undo re-inserts it), the others re-pointed.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from prm.adapters.sql import patient_references as refs
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.tags_tables import tag_links
from prm.application.patients.references import PatientReferences, ReferenceChange
from prm.domain.shared.ids import PatientId, TenantId
from prm.domain.tags.model import TaggedKind

_TABLES = {tag_links.name: tag_links}
_l = tag_links.c
_PATIENTS = _l.entity_kind == TaggedKind.PATIENTS.value


class SqlTagsPatientReferences(PatientReferences):
    context = "tags"

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def repoint(self, source: PatientId, target: PatientId) -> Sequence[ReferenceChange]:
        held = sa.select(_l.tag_id).where(_l.tenant_id == self._tenant_id, _PATIENTS, _l.entity_id == target)
        changes = await refs.delete_returning(
            self._connection, tag_links, self._tenant_id, [_PATIENTS, _l.entity_id == source, _l.tag_id.in_(held)]
        )
        changes += await refs.repoint(
            self._connection, tag_links, self._tenant_id, source, target, column="entity_id", where=[_PATIENTS]
        )
        return changes

    async def restore(self, changes: Sequence[ReferenceChange]) -> None:
        await refs.restore(self._connection, _TABLES, self._tenant_id, changes)

    async def count(self, patient_id: PatientId) -> int:
        statement = sa.select(sa.func.count()).where(
            _l.tenant_id == self._tenant_id, _PATIENTS, _l.entity_id == patient_id
        )
        return int((await self._connection.execute(statement)).scalar_one())
