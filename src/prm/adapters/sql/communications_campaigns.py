"""SQL adapters of the campaigns part: the campaigns, and their messages in bulk (rows of the
messages part's ``communication_messages``, written with :func:`~prm.adapters.sql.bulk.insert_rows`:
``COPY`` on PostgreSQL)."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa

from prm.adapters.sql.bulk import insert_rows
from prm.adapters.sql.communications_campaigns_tables import communication_campaigns
from prm.adapters.sql.communications_messages import message_rows
from prm.adapters.sql.communications_messages_tables import communication_messages
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.paging import fetch_page
from prm.application.communications.campaigns_ports import CampaignFilter, CampaignMessages, CampaignRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.communications.campaigns import Audience, Campaign, CampaignId, CampaignStatus
from prm.domain.communications.channels import Channel, MessageStatus
from prm.domain.communications.messages import Message
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId

_k = communication_campaigns
_m = communication_messages
_FIELDS = tuple(c.name for c in _k.columns)
_UPDATED = tuple(n for n in _FIELDS if n not in {"tenant_id", "id", "created_at", "version"})
_RELEASE_CHUNK = 5_000
CAMPAIGN_COLUMNS = (
    *("tenant_id", "id", "patient_id", "direction", "channel", "recipient", "subject", "body"),
    *("template_name", "template_language", "category", "status", "status_reason", "scheduled_for"),
    *("due_at", "queued_at", "failed_at", "campaign_id", "dedup_key", "attempts", "version"),
    *("created_at", "updated_at"),
)
"""What a campaign's new messages may hold: only these are written (COPY formats fewer fields)."""


def _row(campaign: Campaign) -> dict[str, Any]:
    row = {name: getattr(campaign, name) for name in _FIELDS}
    row["channel"] = campaign.channel.value
    row["status"] = campaign.status.value
    row["audience"] = msgspec.to_builtins(campaign.audience)
    return row


def _campaign(row: Any) -> Campaign:
    m = row._mapping
    fields = {name: m[name] for name in _FIELDS}
    fields["id"] = CampaignId(fields["id"])
    fields["tenant_id"] = TenantId(fields["tenant_id"])
    fields["channel"] = Channel(fields["channel"])
    fields["status"] = CampaignStatus(fields["status"])
    fields["audience"] = msgspec.convert(fields["audience"], Audience, strict=False)
    return Campaign(**fields)


class SqlCampaignRepository(CampaignRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, campaign: Campaign) -> None:
        await self._connection.execute(sa.insert(_k), _row(campaign))

    async def get(self, campaign_id: CampaignId, *, lock: bool = False) -> Campaign | None:
        statement = sa.select(_k).where(_k.c.tenant_id == self._tenant_id, _k.c.id == campaign_id)
        if lock:
            await self._connection.lock_for_writing()
            statement = statement.with_for_update()
        row = (await self._connection.execute(statement)).first()
        return _campaign(row) if row else None

    async def save(self, campaign: Campaign, *, expected_version: int) -> None:
        row = _row(campaign)
        statement = (
            sa.update(_k)
            .where(_k.c.tenant_id == self._tenant_id, _k.c.id == campaign.id, _k.c.version == expected_version)
            .values({name: row[name] for name in _UPDATED} | {"version": expected_version + 1})
        )
        if (await self._connection.execute(statement)).rowcount != 1:
            raise StaleVersion("the campaign was changed by someone else meanwhile")
        campaign.version = expected_version + 1

    async def list_page(self, where: CampaignFilter, page: PageRequest) -> Page[Campaign]:
        conditions: list[sa.ColumnElement[bool]] = [_k.c.tenant_id == self._tenant_id]
        if where.status is not None:
            conditions.append(_k.c.status == where.status.value)
        if where.channel is not None:
            conditions.append(_k.c.channel == where.channel.value)
        order = (_k.c.created_at.desc(), _k.c.id.desc())
        return await fetch_page(self._connection, _k, conditions, order, page, _campaign)


_HELD = (MessageStatus.SCHEDULED.value, MessageStatus.QUEUED.value)
_UNSENT = (MessageStatus.PENDING.value, *_HELD)


class SqlCampaignMessages(CampaignMessages):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _of(self, campaign_id: CampaignId, statuses: Sequence[str]) -> list[sa.ColumnElement[bool]]:
        return [_m.c.tenant_id == self._tenant_id, _m.c.campaign_id == campaign_id, _m.c.status.in_(statuses)]

    async def add_many(self, messages: Sequence[Message]) -> None:
        await insert_rows(self._connection, _m, message_rows(messages, CAMPAIGN_COLUMNS), CAMPAIGN_COLUMNS)

    async def hold(self, campaign_id: CampaignId, now: datetime) -> int:
        statement = (
            sa.update(_m)
            .where(*self._of(campaign_id, _HELD))
            .values(status=MessageStatus.PENDING.value, due_at=None, updated_at=now, version=_m.c.version + 1)
        )
        return int((await self._connection.execute(statement)).rowcount)

    async def release(self, campaign_id: CampaignId, start: datetime, interval: timedelta, now: datetime) -> int:
        held = (
            sa.select(_m.c.id)
            .where(*self._of(campaign_id, (MessageStatus.PENDING.value,)))
            .order_by(_m.c.scheduled_for, _m.c.id)
        )
        ids = [row[0] for row in await self._connection.execute(held)]
        statement = (
            sa.update(_m)
            .where(_m.c.tenant_id == self._tenant_id, _m.c.id == sa.bindparam("k_id"))
            .where(_m.c.status == MessageStatus.PENDING.value)
            .values(
                status=MessageStatus.SCHEDULED.value,
                scheduled_for=sa.bindparam("v_at"),
                due_at=sa.bindparam("v_at"),
                updated_at=now,
                version=_m.c.version + 1,
            )
        )
        for first in range(0, len(ids), _RELEASE_CHUNK):
            chunk = ids[first : first + _RELEASE_CHUNK]
            await self._connection.execute(
                statement, [{"k_id": i, "v_at": start + (first + n) * interval} for n, i in enumerate(chunk)]
            )
        return len(ids)

    async def cancel_unsent(self, campaign_id: CampaignId, now: datetime) -> int:
        statement = (
            sa.update(_m)
            .where(*self._of(campaign_id, _UNSENT))
            .values(
                status=MessageStatus.CANCELLED.value,
                status_reason="campaign_cancelled",
                due_at=None,
                cancelled_at=now,
                updated_at=now,
                version=_m.c.version + 1,
            )
        )
        return int((await self._connection.execute(statement)).rowcount)

    async def progress(self, campaign_id: CampaignId) -> Mapping[str, int]:
        statement = (
            sa.select(_m.c.status, sa.func.count())
            .where(_m.c.tenant_id == self._tenant_id, _m.c.campaign_id == campaign_id)
            .group_by(_m.c.status)
        )
        return {row[0]: int(row[1]) for row in await self._connection.execute(statement)}
