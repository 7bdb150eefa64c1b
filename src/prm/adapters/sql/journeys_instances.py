"""SQL adapter of the journeys context's instances, with their stage instances (rows of their
own, read with their instance in one more query, or joined to it for a patient's active ones),
and the lists and counts over them. Built with the caller's ``TenantId``, which is in every
statement; templates are :mod:`prm.adapters.sql.journeys`'."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import RowCheck, SqlConnection
from prm.adapters.sql.journeys_tables import (
    ENROLMENT_KEY,
    journey_instances,
    journey_stage_instances,
    journeys,
)
from prm.adapters.sql.paging import fetch_page
from prm.application.journeys.ports import (
    InstanceCriteria,
    InstanceStats,
    JourneyInstanceFinder,
    JourneyInstanceRepository,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.journeys.errors import AlreadyEnrolled
from prm.domain.journeys.ids import JourneyId, JourneyInstanceId, StageId
from prm.domain.journeys.instances import InstanceStatus, JourneyInstance, StageInstance, StageStatus
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import PatientId, TenantId

_j = journeys.c
_i = journey_instances.c
_s = journey_stage_instances.c
_SQLITE_ENROLMENT = "journey_instances.tenant_id, journey_instances.journey_id, journey_instances.enrolment_key"


# --- instances -----------------------------------------------------------------------------------


def _instance_row(instance: JourneyInstance) -> dict[str, Any]:
    return {
        "tenant_id": instance.tenant_id,
        "id": instance.id,
        "journey_id": instance.journey_id,
        "journey_version": instance.journey_version,
        "patient_id": instance.patient_id,
        "appointment_id": instance.appointment_id,
        "encounter_id": instance.encounter_id,
        "organization_id": instance.organization_id,
        "context": dict(instance.context),
        "status": instance.status.value,
        "enrolment_key": instance.enrolment_key,
        "started_at": instance.started_at,
        "completed_at": instance.completed_at,
        "cancelled_at": instance.cancelled_at,
        "version": instance.version,
        "updated_at": instance.updated_at or instance.started_at,
    }


_STAGE_UPDATED = ("status", "started_at", "completed_at", "completed_by", "notes", "survey_sent", "last_error")


def _stage_row(instance: JourneyInstance, stage: StageInstance) -> dict[str, Any]:
    return {
        "tenant_id": instance.tenant_id,
        "instance_id": instance.id,
        "stage_id": stage.stage_id,
        "name": stage.name,
        "order_index": stage.order_index,
        "trigger_event": stage.trigger_event,
        "is_optional": stage.is_optional,
        "status": stage.status.value,
        "started_at": stage.started_at,
        "completed_at": stage.completed_at,
        "completed_by": stage.completed_by,
        "notes": stage.notes,
        "survey_sent": stage.survey_sent,
        "last_error": stage.last_error,
    }


def _stage(row: Any) -> StageInstance:
    return _stage_from(row._mapping)


def _stage_from(m: Any) -> StageInstance:
    return StageInstance(
        stage_id=StageId(m["stage_id"]),
        name=m["name"],
        order_index=m["order_index"],
        trigger_event=m["trigger_event"],
        is_optional=bool(m["is_optional"]),
        status=StageStatus(m["status"]),
        started_at=m["started_at"],
        completed_at=m["completed_at"],
        completed_by=m["completed_by"],
        notes=m["notes"],
        survey_sent=bool(m["survey_sent"]),
        last_error=m["last_error"],
    )


def _instance(row: Any, stages: list[StageInstance]) -> JourneyInstance:
    m = row._mapping
    return JourneyInstance(
        id=JourneyInstanceId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        journey_id=JourneyId(m["journey_id"]),
        journey_version=m["journey_version"],
        patient_id=PatientId(m["patient_id"]),
        appointment_id=m["appointment_id"],
        encounter_id=m["encounter_id"],
        organization_id=m["organization_id"],
        context=dict(m["context"] or {}),
        status=InstanceStatus(m["status"]),
        stages=sorted(stages, key=lambda s: s.order_index),
        started_at=m["started_at"],
        completed_at=m["completed_at"],
        cancelled_at=m["cancelled_at"],
        enrolment_key=m["enrolment_key"],
        version=m["version"],
        updated_at=m["updated_at"],
    )


_STAGE_COLUMNS = tuple(c for c in journey_stage_instances.c if c.name not in ("tenant_id", "instance_id"))
_ACTIVE_OF = (
    sa.select(journey_instances, *(c.label(f"s_{c.name}") for c in _STAGE_COLUMNS))
    .outerjoin(
        journey_stage_instances,
        sa.and_(_s.tenant_id == _i.tenant_id, _s.instance_id == _i.id),
    )
    .where(
        _i.tenant_id == sa.bindparam("tenant_id"),
        _i.patient_id == sa.bindparam("patient_id"),
        _i.status == InstanceStatus.ACTIVE.value,
    )
    .order_by(_i.started_at, _i.id)
)
"""A patient's active instances with their stage instances (labelled ``s_*``), one row a stage:
one statement, built once (the journeys subscriber runs it for every inbound event)."""

ACTIVE_BATCH = 500
"""Patients per statement of :meth:`SqlJourneyInstances.active_of_many`."""
_ACTIVE_OF_MANY = (
    sa.select(journey_instances, *(c.label(f"s_{c.name}") for c in _STAGE_COLUMNS))
    .outerjoin(
        journey_stage_instances,
        sa.and_(_s.tenant_id == _i.tenant_id, _s.instance_id == _i.id),
    )
    .where(
        _i.tenant_id == sa.bindparam("tenant_id"),
        _i.patient_id.in_(sa.bindparam("patient_ids", expanding=True)),
        _i.status == InstanceStatus.ACTIVE.value,
    )
    .order_by(_i.patient_id, _i.started_at, _i.id)
)
"""The active instances of many patients, as :data:`_ACTIVE_OF` (a batch of inbound events)."""


def _stage_state(stage: StageInstance) -> tuple[Any, ...]:
    return tuple(getattr(stage, name) for name in _STAGE_UPDATED)


_SAVE_INSTANCE = (
    sa.update(journey_instances)
    .where(_i.tenant_id == sa.bindparam("k_tenant"), _i.id == sa.bindparam("k_id"))
    .where(_i.version == sa.bindparam("k_version"))
    .values(
        {
            name: sa.bindparam(f"v_{name}")
            for name in ("status", "completed_at", "cancelled_at", "version", "updated_at")
        }
    )
)
_SAVE_STAGE = (
    sa.update(journey_stage_instances)
    .where(
        _s.tenant_id == sa.bindparam("k_tenant"),
        _s.instance_id == sa.bindparam("k_instance"),
        _s.stage_id == sa.bindparam("k_stage"),
    )
    .values({name: sa.bindparam(f"v_{name}") for name in _STAGE_UPDATED})
)


_COUNT_OF_PATIENT = (
    sa.select(sa.func.count())
    .select_from(journey_instances)
    .where(
        _i.tenant_id == sa.bindparam("count_tenant_id", type_=sa.Uuid),
        _i.patient_id == sa.bindparam("count_patient_id", type_=sa.Uuid),
        _i.status == sa.bindparam("count_status", type_=sa.String),
    )
)
"""Built once (a prepared statement): ``GET /patients/{id}`` reads it on every call."""


class SqlJourneyInstances(JourneyInstanceRepository, JourneyInstanceFinder):
    """Journey instances of one tenant with their stage instances."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._stored: dict[tuple[UUID, UUID], tuple[Any, ...]] = {}
        """What each stage instance read or written in this unit of work holds in the database
        (its :data:`_STAGE_UPDATED` values), so that :meth:`save` writes only the stages that changed."""

    def _remember(self, instance_id: UUID, stages: Sequence[StageInstance]) -> None:
        for stage in stages:
            self._stored[(instance_id, stage.stage_id)] = _stage_state(stage)

    async def _with_stages(self, rows: Sequence[Any]) -> list[JourneyInstance]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        stage_rows = await self._connection.execute(
            sa.select(journey_stage_instances).where(_s.tenant_id == self._tenant_id, _s.instance_id.in_(ids))
        )
        by_instance: dict[UUID, list[StageInstance]] = {i: [] for i in ids}
        for row in stage_rows.all():
            by_instance[row.instance_id].append(_stage(row))
        for instance_id, stages in by_instance.items():
            self._remember(instance_id, stages)
        return [_instance(r, by_instance[r.id]) for r in rows]

    async def add(self, instance: JourneyInstance) -> None:
        try:
            await self._connection.execute(sa.insert(journey_instances).values(**_instance_row(instance)))
        except IntegrityError as exc:
            text = str(exc.orig)
            if ENROLMENT_KEY in text or _SQLITE_ENROLMENT in text:
                raise AlreadyEnrolled(
                    "the patient is on this journey for this encounter or appointment already"
                ) from exc
            raise
        await self._connection.execute(
            sa.insert(journey_stage_instances), [_stage_row(instance, s) for s in instance.stages]
        )
        self._remember(instance.id, instance.stages)

    async def get(self, instance_id: JourneyInstanceId) -> JourneyInstance | None:
        rows = (
            await self._connection.execute(
                sa.select(journey_instances).where(_i.tenant_id == self._tenant_id, _i.id == instance_id)
            )
        ).all()
        found = await self._with_stages(rows)
        return found[0] if found else None

    async def save(self, instance: JourneyInstance, *, expected_version: int) -> None:
        row = _instance_row(instance)
        parameters = {"k_tenant": self._tenant_id, "k_id": instance.id, "k_version": expected_version} | {
            f"v_{name}": row[name] for name in ("status", "completed_at", "cancelled_at", "updated_at")
        }
        # deferred with its version check: a batch of events saves its instances in one round trip,
        # and a concurrent change raises at the next statement or at commit (nothing is committed)
        stale = StaleVersion("the journey instance was changed by someone else meanwhile: try again")
        self._connection.defer(
            _SAVE_INSTANCE, parameters | {"v_version": expected_version + 1}, check=RowCheck(1, stale)
        )
        changed = [s for s in instance.stages if self._stored.get((instance.id, s.stage_id)) != _stage_state(s)]
        if changed:  # sent with the next statement or COMMIT: nothing reads its result
            self._connection.defer(
                _SAVE_STAGE,
                [
                    {"k_tenant": self._tenant_id, "k_instance": instance.id, "k_stage": s.stage_id}
                    | {f"v_{name}": getattr(s, name) for name in _STAGE_UPDATED}
                    | {"v_status": s.status.value}
                    for s in changed
                ],
            )
            self._remember(instance.id, changed)
        instance.version = expected_version + 1

    async def active_of(self, patient_id: PatientId) -> Sequence[JourneyInstance]:
        rows = (
            await self._connection.execute(_ACTIVE_OF, {"tenant_id": self._tenant_id, "patient_id": patient_id})
        ).all()
        return self._joined(rows)

    async def active_of_many(self, patient_ids: Sequence[PatientId]) -> Mapping[PatientId, Sequence[JourneyInstance]]:
        """One statement per :data:`ACTIVE_BATCH` patients (not a prepared one: the list varies)."""
        found: dict[PatientId, list[JourneyInstance]] = {p: [] for p in patient_ids}
        wanted = list(found)
        for start in range(0, len(wanted), ACTIVE_BATCH):
            chunk = wanted[start : start + ACTIVE_BATCH]
            rows = (
                await self._connection.execute(_ACTIVE_OF_MANY, {"tenant_id": self._tenant_id, "patient_ids": chunk})
            ).all()
            for instance in self._joined(rows):
                found[instance.patient_id].append(instance)
        return found

    def _joined(self, rows: Sequence[Any]) -> list[JourneyInstance]:
        """Instances from rows of :data:`_ACTIVE_OF` (one a stage, ``s_*``), in the rows' order."""
        first: dict[UUID, Any] = {}
        stages: dict[UUID, list[StageInstance]] = {}
        for row in rows:
            first.setdefault(row.id, row)
            found = stages.setdefault(row.id, [])
            m = row._mapping
            if m["s_stage_id"] is not None:
                found.append(_stage_from({c.name: m[f"s_{c.name}"] for c in _STAGE_COLUMNS}))
        for instance_id, instance_stages in stages.items():
            self._remember(instance_id, instance_stages)
        return [_instance(row, stages[instance_id]) for instance_id, row in first.items()]

    async def enrolled(self, journey_id: JourneyId, key: str) -> bool:
        found = await self._connection.execute(
            sa.select(_i.id)
            .where(_i.tenant_id == self._tenant_id, _i.journey_id == journey_id, _i.enrolment_key == key)
            .limit(1)
        )
        return found.first() is not None

    def _conditions(self, criteria: InstanceCriteria) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [_i.tenant_id == self._tenant_id]
        if criteria.patient_id is not None:
            where.append(_i.patient_id == criteria.patient_id)
        if criteria.journey_id is not None:
            where.append(_i.journey_id == criteria.journey_id)
        if criteria.status is not None:
            where.append(_i.status == criteria.status.value)
        if criteria.journey_ids:
            where.append(_i.journey_id.in_(sorted(criteria.journey_ids)))
        if criteria.statuses:
            where.append(_i.status.in_(sorted(s.value for s in criteria.statuses)))
        if criteria.organization_id is not None:
            where.append(_i.organization_id == criteria.organization_id)
        if criteria.search is not None:
            matches: list[sa.ColumnElement[bool]] = [_i.encounter_id == criteria.search]
            if criteria.search_patients:
                matches.append(_i.patient_id.in_(list(criteria.search_patients)))
            where.append(sa.or_(*matches))
        return where

    async def find(self, criteria: InstanceCriteria, page: PageRequest) -> Page[JourneyInstance]:
        rows = await fetch_page(
            self._connection,
            journey_instances,
            self._conditions(criteria),
            (_i.started_at.desc(), _i.id.desc()),
            page,
            lambda row: row,
        )
        return Page(
            await self._with_stages(list(rows.items)),
            rows.total,
            rows.page,
            rows.page_size,
            total_exact=rows.total_exact,
        )

    async def count_of_patient(self, patient_id: PatientId, status: InstanceStatus) -> int:
        parameters = {"count_tenant_id": self._tenant_id, "count_patient_id": patient_id, "count_status": status.value}
        return int((await self._connection.execute(_COUNT_OF_PATIENT, parameters)).scalar_one())

    async def stats(self, journey_id: JourneyId | None, organization_id: UUID | None) -> InstanceStats:
        where: list[sa.ColumnElement[bool]] = [_i.tenant_id == self._tenant_id]
        if journey_id is not None:
            where.append(_i.journey_id == journey_id)
        if organization_id is not None:
            where.append(_i.organization_id == organization_id)
        by_status = {
            status: int(count)
            for status, count in (
                await self._connection.execute(sa.select(_i.status, sa.func.count()).where(*where).group_by(_i.status))
            ).all()
        }
        counts = sa.select(_i.journey_id, sa.func.count().label("n")).where(*where).group_by(_i.journey_id).subquery()
        named = await self._connection.execute(
            sa.select(counts.c.journey_id, _j.name, counts.c.n)
            .select_from(counts.join(journeys, sa.and_(_j.tenant_id == self._tenant_id, _j.id == counts.c.journey_id)))
            .order_by(_j.name, counts.c.journey_id)
        )
        return InstanceStats(
            total=sum(by_status.values()),
            by_status={s.value: by_status.get(s.value, 0) for s in InstanceStatus},
            by_journey=[(JourneyId(j), name, int(n)) for j, name, n in named.all()],
        )
