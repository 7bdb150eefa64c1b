"""SQL adapter of the journeys context's templates (with each version's stages) and their list;
instances are :mod:`prm.adapters.sql.journeys_instances`'.

Every adapter is built with the caller's ``TenantId`` and puts it in every statement. Stages are
kept as JSON (:func:`stage_to_json` / :func:`stage_from_json`) on the journey (current version)
and in ``journey_versions`` (every version); stage instances are rows of their own, read with
their instance in one more query.
"""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.journeys_tables import (
    journey_versions,
    journeys,
)
from prm.adapters.sql.paging import fetch_page
from prm.application.journeys.ports import (
    JourneyCriteria,
    JourneyFinder,
    JourneyRepository,
)
from prm.application.shared.paging import Page, PageRequest
from prm.domain.journeys.ids import JourneyId, StageId
from prm.domain.journeys.model import (
    ActionTiming,
    CreateTicket,
    Journey,
    JourneyDetails,
    SendMessage,
    SendSurvey,
    Stage,
    StageAction,
)
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId

_j = journeys.c
_v = journey_versions.c


# --- stages as JSON ------------------------------------------------------------------------------


def action_to_json(action: StageAction) -> dict[str, Any]:
    if isinstance(action, SendMessage):
        return {
            "type": action.kind,
            "template_name": action.template_name,
            "channel": action.channel,
            "on": action.on.value,
        }
    if isinstance(action, SendSurvey):
        return {
            "type": action.kind,
            "survey_template_id": str(action.survey_template_id),
            "channel": action.channel,
            "delay_hours": action.delay_hours,
            "delay_minutes": action.delay_minutes,
        }
    return {
        "type": action.kind,
        "title": action.title,
        "priority": action.priority,
        "category": action.category,
        "on": action.on.value,
    }


def action_from_json(data: Mapping[str, Any]) -> StageAction:
    match data["type"]:
        case "send_message":
            return SendMessage(
                template_name=data["template_name"], channel=data["channel"], on=ActionTiming(data["on"])
            )
        case "send_survey":
            return SendSurvey(
                survey_template_id=UUID(data["survey_template_id"]),
                channel=data["channel"],
                delay_hours=int(data["delay_hours"]),
                delay_minutes=int(data.get("delay_minutes", 0)),
            )
    return CreateTicket(
        title=data["title"], priority=data["priority"], category=data.get("category"), on=ActionTiming(data["on"])
    )


def stage_to_json(stage: Stage) -> dict[str, Any]:
    return {
        "id": str(stage.id),
        "name": stage.name,
        "order_index": stage.order_index,
        "code": stage.code,
        "description": stage.description,
        "trigger_event": stage.trigger_event,
        "is_optional": stage.is_optional,
        "is_active": stage.is_active,
        "actions": [action_to_json(a) for a in stage.actions],
    }


def stage_from_json(data: Mapping[str, Any]) -> Stage:
    return Stage(
        id=StageId(UUID(data["id"])),
        name=data["name"],
        order_index=int(data["order_index"]),
        code=data.get("code"),
        description=data.get("description"),
        trigger_event=data["trigger_event"],
        is_optional=bool(data["is_optional"]),
        is_active=bool(data["is_active"]),
        actions=tuple(action_from_json(a) for a in data.get("actions", ())),
    )


def _stages_json(stages: Sequence[Stage]) -> list[dict[str, Any]]:
    return [stage_to_json(s) for s in stages]


# --- journeys ------------------------------------------------------------------------------------


def _journey_row(journey: Journey) -> dict[str, Any]:
    d = journey.details
    conditions = dict(d.trigger_conditions)
    return {
        "tenant_id": journey.tenant_id,
        "id": journey.id,
        "name": d.name,
        "description": d.description,
        "journey_type": d.journey_type,
        "is_default": d.is_default,
        "is_active": d.is_active,
        "trigger_conditions": conditions,
        "trigger_code": conditions.get("event") or conditions.get("event_code"),
        "organization_id": d.organization_id,
        "stages": _stages_json(journey.stages),
        "version": journey.version,
        "created_at": journey.created_at,
        "updated_at": journey.updated_at,
    }


def _journey(row: Any) -> Journey:
    m = row._mapping
    return Journey(
        id=JourneyId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        details=JourneyDetails(
            name=m["name"],
            journey_type=m["journey_type"],
            description=m["description"],
            is_default=bool(m["is_default"]),
            is_active=bool(m["is_active"]),
            trigger_conditions=dict(m["trigger_conditions"] or {}),
            organization_id=m["organization_id"],
        ),
        stages=tuple(stage_from_json(s) for s in m["stages"]),
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_JOURNEY_UPDATED = tuple(c.name for c in journeys.columns if c.name not in {"tenant_id", "id", "created_at"})


class SqlJourneyRepository(JourneyRepository, JourneyFinder):
    """Journeys of one tenant (``journeys`` and ``journey_versions``)."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def _add_version(self, journey: Journey) -> None:
        await self._connection.execute(
            sa.insert(journey_versions).values(
                tenant_id=journey.tenant_id,
                journey_id=journey.id,
                version=journey.version,
                stages=_stages_json(journey.stages),
                created_at=journey.updated_at,
            )
        )

    async def add(self, journey: Journey) -> None:
        await self._connection.execute(sa.insert(journeys).values(**_journey_row(journey)))
        await self._add_version(journey)

    async def get(self, journey_id: JourneyId) -> Journey | None:
        row = (
            await self._connection.execute(
                sa.select(journeys).where(_j.tenant_id == self._tenant_id, _j.id == journey_id)
            )
        ).first()
        return _journey(row) if row else None

    async def save(self, journey: Journey, *, expected_version: int) -> None:
        row = _journey_row(journey)
        result = await self._connection.execute(
            sa.update(journeys)
            .where(_j.tenant_id == self._tenant_id, _j.id == journey.id, _j.version == expected_version)
            .values({c: row[c] for c in _JOURNEY_UPDATED})
        )
        if result.rowcount != 1:
            raise StaleVersion("the journey was changed by someone else: reload it and apply the change again")
        await self._add_version(journey)

    async def stages_of(self, journey_id: JourneyId, version: int) -> Sequence[Stage] | None:
        stages = (
            await self._connection.execute(
                sa.select(_v.stages).where(
                    _v.tenant_id == self._tenant_id, _v.journey_id == journey_id, _v.version == version
                )
            )
        ).scalar_one_or_none()
        return None if stages is None else tuple(stage_from_json(s) for s in stages)

    async def enrolling_on(self, code: str) -> Sequence[Journey]:
        rows = await self._connection.execute(
            sa.select(journeys)
            .where(_j.tenant_id == self._tenant_id, _j.trigger_code == code, _j.is_active.is_(True))
            .order_by(_j.id)
        )
        return [_journey(r) for r in rows.all()]

    async def find(self, criteria: JourneyCriteria, page: PageRequest) -> Page[Journey]:
        where: list[sa.ColumnElement[bool]] = [_j.tenant_id == self._tenant_id]
        if criteria.journey_type is not None:
            where.append(_j.journey_type == criteria.journey_type)
        if criteria.is_default is not None:
            where.append(_j.is_default.is_(criteria.is_default))
        if criteria.is_active is not None:
            where.append(_j.is_active.is_(criteria.is_active))
        if criteria.organization_id is not None:
            where.append(_j.organization_id == criteria.organization_id)
        return await fetch_page(self._connection, journeys, where, (_j.name, _j.id), page, _journey)
