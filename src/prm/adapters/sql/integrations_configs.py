"""SQL adapters of the integrations context's configurations and of its rate-limit counter.

Both are built with the caller's ``TenantId``, which is in every statement.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.constraints import domain_error_for
from prm.adapters.sql.integrations_tables import integration_configs, integration_rate_windows
from prm.adapters.sql.paging import fetch_tenant_page
from prm.application.integrations.ports import IngestionCounter, IntegrationConfigRepository
from prm.application.shared.paging import Page, PageRequest
from prm.domain.integrations.config import IntegrationConfig
from prm.domain.integrations.ids import IntegrationConfigId
from prm.domain.shared.errors import StaleVersion
from prm.domain.shared.ids import TenantId

_c = integration_configs.c
_UPDATABLE = tuple(c.name for c in integration_configs.columns if c.name not in {"tenant_id", "id", "created_at"})


def _to_row(config: IntegrationConfig) -> dict[str, Any]:
    return {
        "tenant_id": config.tenant_id,
        "id": config.id,
        "name": config.name,
        "source_system": config.source_system,
        "description": config.description,
        "api_url": config.api_url,
        "is_active": config.is_active,
        "settings": dict(config.settings),
        "secrets": dict(config.secrets),
        "rate_limit_per_hour": config.rate_limit_per_hour,
        "version": config.version,
        "created_at": config.created_at,
        "updated_at": config.updated_at,
    }


def _from_row(row: Any) -> IntegrationConfig:
    m = row._mapping
    return IntegrationConfig(
        id=IntegrationConfigId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        name=m["name"],
        source_system=m["source_system"],
        description=m["description"],
        api_url=m["api_url"],
        is_active=bool(m["is_active"]),
        settings=m["settings"],
        secrets=m["secrets"],
        rate_limit_per_hour=m["rate_limit_per_hour"],
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _raise_domain_error(exc: IntegrityError) -> NoReturn:
    error = domain_error_for(exc)
    if error is None:
        raise exc
    raise error from exc


_ORDER = (_c.source_system, _c.id)


class SqlIntegrationConfigs(IntegrationConfigRepository):
    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    async def add(self, config: IntegrationConfig) -> None:
        try:
            await self._connection.execute(sa.insert(integration_configs), _to_row(config))
        except IntegrityError as exc:
            _raise_domain_error(exc)

    async def get(self, config_id: IntegrationConfigId) -> IntegrationConfig | None:
        query = sa.select(integration_configs).where(_c.tenant_id == self._tenant_id, _c.id == config_id)
        row = (await self._connection.execute(query)).first()
        return _from_row(row) if row else None

    async def get_by_source_system(self, source_system: str) -> IntegrationConfig | None:
        query = sa.select(integration_configs).where(_c.tenant_id == self._tenant_id, _c.source_system == source_system)
        row = (await self._connection.execute(query)).first()
        return _from_row(row) if row else None

    async def save(self, config: IntegrationConfig, *, expected_version: int) -> None:
        row = _to_row(config)
        statement = (
            sa.update(integration_configs)
            .where(_c.tenant_id == self._tenant_id, _c.id == config.id, _c.version == expected_version)
            .values({name: row[name] for name in _UPDATABLE})
        )
        try:
            result = await self._connection.execute(statement)
        except IntegrityError as exc:
            _raise_domain_error(exc)
        if result.rowcount != 1:
            raise StaleVersion("the integration configuration was changed by someone else: reload it")

    async def remove(self, config: IntegrationConfig) -> None:
        statement = sa.delete(integration_configs).where(
            _c.tenant_id == self._tenant_id, _c.id == config.id, _c.version == config.version
        )
        if (await self._connection.execute(statement)).rowcount != 1:
            raise StaleVersion("the integration configuration was changed by someone else: reload it")

    async def find(self, page: PageRequest) -> Page[IntegrationConfig]:
        return await fetch_tenant_page(self._connection, integration_configs, self._tenant_id, _ORDER, page, _from_row)

    async def rate_limits(self, source_systems: Sequence[str]) -> Mapping[str, int]:
        if not source_systems:
            return {}
        query = sa.select(_c.source_system, _c.rate_limit_per_hour).where(
            _c.tenant_id == self._tenant_id, _c.is_active.is_(True), _c.source_system.in_(list(source_systems))
        )
        return {row.source_system: int(row.rate_limit_per_hour) for row in (await self._connection.execute(query))}


_w = integration_rate_windows.c


class SqlIngestionCounter(IngestionCounter):
    """A fixed-window counter per (tenant, source system): one row per window, upserted
    (``INSERT … ON CONFLICT DO UPDATE … RETURNING``) on the unit of work's connection. On
    PostgreSQL the upsert locks the row until the transaction ends, so concurrent requests of a
    system are counted one after the other, exactly, in every server process; systems are
    counted in name order, so two requests never wait for each other in a circle. When a
    window's row is created, the system's older windows are deleted (with the next statement)."""

    def __init__(self, connection: SqlConnection, tenant_id: TenantId) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def _upsert(self, window_start: datetime, source_system: str, events: int) -> sa.Executable:
        values = {
            "tenant_id": self._tenant_id,
            "source_system": source_system,
            "window_start": window_start,
            "events": events,
        }
        if self._connection.dialect.name == "postgresql":
            pg = postgresql.insert(integration_rate_windows).values(values)
            return pg.on_conflict_do_update(
                index_elements=["tenant_id", "source_system", "window_start"],
                set_={"events": _w.events + pg.excluded.events},
            ).returning(_w.events)
        lite = sqlite.insert(integration_rate_windows).values(values)
        return lite.on_conflict_do_update(
            index_elements=["tenant_id", "source_system", "window_start"],
            set_={"events": _w.events + lite.excluded.events},
        ).returning(_w.events)

    async def add(self, window_start: datetime, counts: Mapping[str, int]) -> Mapping[str, int]:
        totals: dict[str, int] = {}
        for source_system in sorted(counts):
            added = counts[source_system]
            total = int((await self._connection.execute(self._upsert(window_start, source_system, added))).scalar_one())
            if total == added:  # the window's first events: the older windows are over
                self._connection.defer(
                    sa.delete(integration_rate_windows).where(
                        _w.tenant_id == self._tenant_id,
                        _w.source_system == source_system,
                        _w.window_start < window_start,
                    )
                )
            totals[source_system] = total
        return totals
