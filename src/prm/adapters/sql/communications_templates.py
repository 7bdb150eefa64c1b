"""SQL adapter of the communications context's templates: ``communication_templates``.

Built with the caller's ``TenantId``, which it puts in every statement. Inserts use
``INSERT ... ON CONFLICT (tenant_id, name, channel, language) DO NOTHING`` on both databases, so
that a duplicate is told apart from other failures without parsing errors, and materializing the
built-ins is one idempotent statement that is safe to race.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from prm.adapters.sql.communications_templates_tables import communication_templates
from prm.adapters.sql.connection import SqlConnection
from prm.application.communications.template_ports import TemplateFilter, TemplateRepository
from prm.domain.communications.channels import Channel
from prm.domain.communications.template_errors import DuplicateTemplate
from prm.domain.communications.templates import Template, TemplateId
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId

_t = communication_templates
_KEY = ["tenant_id", "name", "channel", "language"]
_SAVED = ("display_name", "category", "subject", "body", "variables", "is_active", "version", "updated_at")
_ORDER = (_t.c.name, _t.c.channel, _t.c.language)


def _row(t: Template) -> dict[str, Any]:
    return {
        "tenant_id": t.tenant_id,
        "id": t.id,
        "name": t.name,
        "channel": t.channel.value,
        "language": t.language,
        "display_name": t.display_name,
        "category": t.category,
        "subject": t.subject,
        "body": t.body,
        "variables": list(t.variables),
        "is_builtin": t.is_builtin,
        "is_active": t.is_active,
        "version": t.version,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }


def _template(row: Any) -> Template:
    m = row._mapping
    return Template(
        id=TemplateId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        name=m["name"],
        channel=Channel(m["channel"]),
        language=m["language"],
        display_name=m["display_name"],
        category=m["category"],
        subject=m["subject"],
        body=m["body"],
        variables=tuple(m["variables"]),
        is_builtin=m["is_builtin"],
        is_active=m["is_active"],
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class SqlTemplateRepository(TemplateRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _insert_unless_taken(self) -> sa.Insert:
        if self._connection.dialect.name == "postgresql":
            return postgresql.insert(_t).on_conflict_do_nothing(index_elements=_KEY)
        return sqlite.insert(_t).on_conflict_do_nothing(index_elements=_KEY)

    def _mine(self, template_id: TemplateId) -> tuple[sa.ColumnElement[bool], ...]:
        return (_t.c.tenant_id == self._tenant_id, _t.c.id == template_id)

    async def add(self, template: Template) -> None:
        inserted = await self._connection.execute(self._insert_unless_taken().returning(_t.c.id), _row(template))
        if inserted.first() is None:
            raise DuplicateTemplate(
                f"the tenant has a {template.channel.value} template {template.name!r} in {template.language} already"
            )

    async def add_missing(self, templates: Sequence[Template]) -> None:
        if templates:
            await self._connection.execute(self._insert_unless_taken(), [_row(t) for t in templates])

    async def count_builtin(self) -> int:
        statement = sa.select(sa.func.count()).where(_t.c.tenant_id == self._tenant_id, _t.c.is_builtin == sa.true())
        return int((await self._connection.execute(statement)).scalar_one())

    async def get(self, template_id: TemplateId) -> Template | None:
        row = (await self._connection.execute(sa.select(_t).where(*self._mine(template_id)))).first()
        return _template(row) if row else None

    async def save(self, template: Template, *, expected_version: int) -> None:
        row = _row(template)
        statement = (
            sa.update(_t)
            .where(*self._mine(template.id), _t.c.version == expected_version)
            .values({name: row[name] for name in _SAVED})
        )
        if (await self._connection.execute(statement)).rowcount != 1:
            raise StaleVersion(f"communication template {template.id} was changed by someone else")

    async def remove(self, template_id: TemplateId) -> None:
        await self._connection.execute(sa.delete(_t).where(*self._mine(template_id)))

    async def matching(self, where: TemplateFilter) -> Sequence[Template]:
        conditions: list[sa.ColumnElement[bool]] = [_t.c.tenant_id == self._tenant_id]
        if where.channel is not None:
            conditions.append(_t.c.channel == where.channel.value)
        if where.category is not None:
            conditions.append(_t.c.category == where.category)
        if where.language is not None:
            conditions.append(_t.c.language == where.language)
        if where.is_active is not None:
            conditions.append(_t.c.is_active == where.is_active)
        rows = await self._connection.execute(sa.select(_t).where(*conditions).order_by(*_ORDER))
        return [_template(r) for r in rows]

    async def categories(self) -> Sequence[str]:
        statement = sa.select(_t.c.category).where(_t.c.tenant_id == self._tenant_id).distinct().order_by(_t.c.category)
        return [r[0] for r in await self._connection.execute(statement)]

    async def variants(self, name: str, channel: Channel) -> Sequence[Template]:
        statement = (
            sa.select(_t)
            .where(_t.c.tenant_id == self._tenant_id, _t.c.name == name, _t.c.channel == channel.value)
            .order_by(_t.c.language)
        )
        return [_template(r) for r in await self._connection.execute(statement)]
