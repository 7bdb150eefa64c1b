"""SQL adapters of the tags context: the repository (``tags``), the finder (lists) and the links
(``tag_links``).

Each is built with the caller's ``TenantId`` and puts it in every statement. ``name_key`` (the
folded name) is derived on write, for uniqueness in any case or accent, ordering and search.
An entity's tags, or many entities' tags, are one join over the ``(tenant_id, entity_kind,
entity_id)`` index.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.constraints import raise_domain_error
from prm.adapters.sql.like import contains
from prm.adapters.sql.paging import fetch_page, literal, page_total
from prm.adapters.sql.tags_tables import tag_links, tags
from prm.application.shared.paging import Page, PageRequest
from prm.application.tags.ports import MAX_TAGS_PER_ENTITY, TagFinder, TagLinks, TagRepository
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId
from prm.domain.tags.ids import TagId
from prm.domain.tags.model import Tag, TagDetails, TaggedKind

_t = tags.c
_l = tag_links.c
_IN_CHUNK = 1_000
"""Ids per ``IN (...)`` list (SQLite's bound-parameter limit is far above, PostgreSQL's too)."""


def _to_row(tag: Tag) -> dict[str, Any]:
    d = tag.details
    return {
        "tenant_id": tag.tenant_id,
        "id": tag.id,
        "name": d.name,
        "name_key": d.name_key,
        "colour": d.colour,
        "description": d.description,
        "version": tag.version,
        "created_at": tag.created_at,
        "updated_at": tag.updated_at,
    }


def _from_row(row: Any) -> Tag:
    m = row._mapping
    return Tag(
        id=TagId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        details=TagDetails(name=m["name"], colour=m["colour"], description=m["description"]),
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_UPDATABLE = ("name", "name_key", "colour", "description", "version", "updated_at")


class SqlTagRepository(TagRepository):
    """Tags of one tenant in the ``tags`` table."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def _one(self, condition: sa.ColumnElement[bool]) -> Tag | None:
        row = (
            await self._connection.execute(sa.select(tags).where(_t.tenant_id == self._tenant_id, condition))
        ).first()
        return _from_row(row) if row else None

    async def add(self, tag: Tag) -> None:
        try:
            await self._connection.execute(sa.insert(tags).values(**_to_row(tag)))
        except IntegrityError as exc:
            raise_domain_error(exc)

    async def get(self, tag_id: TagId) -> Tag | None:
        return await self._one(_t.id == tag_id)

    async def get_by_name_key(self, name_key: str) -> Tag | None:
        return await self._one(_t.name_key == name_key)

    async def save(self, tag: Tag, *, expected_version: int) -> None:
        row = _to_row(tag)
        try:
            result = await self._connection.execute(
                sa.update(tags)
                .where(_t.tenant_id == self._tenant_id, _t.id == tag.id, _t.version == expected_version)
                .values({c: row[c] for c in _UPDATABLE})
            )
        except IntegrityError as exc:
            raise_domain_error(exc)
        if result.rowcount != 1:
            raise StaleVersion("the tag was changed by someone else: reload it and apply the change again")

    async def remove(self, tag: Tag) -> int:
        detached = await self._connection.execute(
            sa.delete(tag_links).where(_l.tenant_id == self._tenant_id, _l.tag_id == tag.id)
        )
        result = await self._connection.execute(
            sa.delete(tags).where(_t.tenant_id == self._tenant_id, _t.id == tag.id, _t.version == tag.version)
        )
        if result.rowcount != 1:
            raise StaleVersion("the tag was changed or deleted by someone else: reload it")
        return int(detached.rowcount)


class SqlTagFinder(TagFinder):
    """Lists over one tenant's ``tags`` rows."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def find(self, search: str | None, page: PageRequest) -> Page[Tag]:
        where: list[sa.ColumnElement[bool]] = [_t.tenant_id == self._tenant_id]
        if search:
            where.append(contains(_t.name_key, search))
        return await fetch_page(self._connection, tags, where, (_t.name_key, _t.id), page, _from_row)


class SqlTagLinks(TagLinks):
    """``tag_links`` rows of one tenant."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _link(self, tag_id: TagId, kind: TaggedKind, entity_id: UUID) -> list[sa.ColumnElement[bool]]:
        return [
            _l.tenant_id == self._tenant_id,
            _l.tag_id == tag_id,
            _l.entity_kind == kind.value,
            _l.entity_id == entity_id,
        ]

    async def attach(self, tag_id: TagId, kind: TaggedKind, entity_id: UUID, now: datetime) -> bool:
        row = {
            "tenant_id": self._tenant_id,
            "tag_id": tag_id,
            "entity_kind": kind.value,
            "entity_id": entity_id,
            "created_at": now,
        }
        # ON CONFLICT DO NOTHING: attaching twice (or concurrently) neither fails nor aborts the transaction.
        insert = (
            postgresql.insert(tag_links) if self._connection.dialect.name == "postgresql" else sqlite.insert(tag_links)
        )
        result = await self._connection.execute(insert.on_conflict_do_nothing(), row)
        return result.rowcount == 1

    async def detach(self, tag_id: TagId, kind: TaggedKind, entity_id: UUID) -> bool:
        result = await self._connection.execute(sa.delete(tag_links).where(*self._link(tag_id, kind, entity_id)))
        return bool(result.rowcount)

    async def count_of(self, kind: TaggedKind, entity_id: UUID) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(tag_links)
            .where(_l.tenant_id == self._tenant_id, _l.entity_kind == kind.value, _l.entity_id == entity_id)
        )
        return int((await self._connection.execute(statement)).scalar_one())

    async def tags_of(self, kind: TaggedKind, entity_ids: Collection[UUID]) -> Mapping[UUID, Sequence[Tag]]:
        ids = list(dict.fromkeys(entity_ids))
        found: dict[UUID, list[Tag]] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            statement = (
                sa.select(_l.entity_id.label("entity_id"), *tags.columns)
                .select_from(tag_links.join(tags, sa.and_(_t.tenant_id == _l.tenant_id, _t.id == _l.tag_id)))
                .where(_l.tenant_id == self._tenant_id, _l.entity_kind == kind.value, _l.entity_id.in_(chunk))
                .order_by(_l.entity_id, _t.name_key, _t.id)
            )
            for row in (await self._connection.execute(statement)).all():
                held = found.setdefault(row._mapping["entity_id"], [])
                if len(held) < MAX_TAGS_PER_ENTITY:
                    held.append(_from_row(row))
        return found

    async def entities(self, tag_id: TagId, kind: TaggedKind, page: PageRequest) -> Page[UUID]:
        where = [_l.tenant_id == self._tenant_id, _l.tag_id == tag_id, _l.entity_kind == kind.value]
        statement = (
            sa.select(_l.entity_id)
            .where(*where)
            .order_by(_l.created_at.desc(), _l.entity_id.desc())
            .limit(literal(page.page_size))
            .offset(literal(page.offset))
        )
        items = [UUID(str(r[0])) for r in (await self._connection.execute(statement)).all()]

        def counting(limit: int) -> sa.Select[Any]:
            inner = sa.select(_l.entity_id).where(*where).limit(literal(limit)).subquery()
            return sa.select(sa.func.count()).select_from(inner)

        total, exact = await page_total(self._connection, page, len(items), counting)
        return Page(items, total, page.page, page.page_size, exact)
