"""PRM in-process: the same use cases as the HTTP API, without HTTP.

>>> async with Prm.open(Settings.from_env()) as prm:            # doctest: +SKIP
...     patient = await prm.run(RegisterPatient, PatientInput(name=HumanName(family="Okafor")))

Each :meth:`Prm.run` is one unit of work (one transaction) for the tenant the library was opened
for (``tenant_id``, or ``tenant`` as a slug or id; default: ``PRM_DEFAULT_TENANT_ID``), acting as
``principal`` (default: the system). A tenant that exists brings its own phone region.

Opening checks the database once: one that is not at this code's migration revision, or a SQLite
path that names no file (which is then not created), raises :class:`DatabaseNotMigrated`, whose
message is one line naming the database (password hidden) and what to do. ``samples/library_example.py``
is a complete script.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

from dishka import AsyncContainer, Provider, Scope, from_context

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.migrate import DatabaseNotMigrated, check_migrated, require_database_file
from prm.application.identity.ports import TenantRepository
from prm.application.shared.context import SYSTEM, Principal, RequestContext
from prm.domain.identity.errors import TenantNotFound
from prm.domain.shared.ids import TenantId
from prm.ioc import make_container
from prm.settings import Settings

T = TypeVar("T")

__all__ = ["DatabaseNotMigrated", "LibraryContextProvider", "Prm"]


class LibraryContextProvider(Provider):
    context = from_context(provides=RequestContext, scope=Scope.REQUEST)


class Prm:
    """A handle on PRM's use cases for scripts, jobs and tests."""

    def __init__(self, container: AsyncContainer, context: RequestContext) -> None:
        self._container = container
        self.context = context

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings | None = None,
        *,
        tenant_id: UUID | None = None,
        tenant: str | None = None,
        principal: Principal = SYSTEM,
        providers: tuple[Provider, ...] = (),
    ) -> AsyncIterator["Prm"]:
        """Open PRM on ``settings`` (default: from the environment); closes the engine on exit.

        Raises :class:`DatabaseNotMigrated` unless the database is migrated to this code's
        revision (``prm db upgrade``), and ``TenantNotFound`` for a ``tenant`` slug that names no
        tenant.
        """
        settings = settings or Settings.from_env()
        require_database_file(settings.database_url)  # before the engine, which would create it
        context = RequestContext(
            tenant_id=TenantId(tenant_id or settings.default_tenant_id),
            principal=principal,
            phone_region=settings.default_phone_region.upper(),
        )
        container = make_container(settings, LibraryContextProvider(), *providers)
        try:
            await check_migrated(await container.get(SqlDatabase), settings.database_url)
            prm = cls(container, context)
            if tenant is not None or tenant_id is not None:
                await prm._use_tenant(tenant if tenant is not None else str(tenant_id))
            yield prm
        finally:
            await container.close()

    async def _use_tenant(self, tenant: str) -> None:
        """Switch to the tenant with this slug or id, taking its phone region."""
        try:
            by_id: UUID | None = UUID(tenant)
        except ValueError:
            by_id = None
        async with self.unit() as unit:
            tenants = await unit.get(TenantRepository)
            found = await (tenants.get(TenantId(by_id)) if by_id else tenants.get_by_slug(tenant))
        if found is None and by_id is None:
            raise TenantNotFound(f"no tenant with slug {tenant!r}: create it with `prm tenants create`")
        self.context = RequestContext(
            tenant_id=found.id if found else TenantId(by_id),  # type: ignore[arg-type]
            principal=self.context.principal,
            phone_region=found.phone_region if found else self.context.phone_region,
        )

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[AsyncContainer]:
        """One unit of work: ``await unit.get(UseCase)`` gives use cases sharing one transaction."""
        async with self._container(context={RequestContext: self.context}) as request:
            yield request

    async def run(self, use_case: type[Any], *args: Any, **kwargs: Any) -> Any:
        """Build ``use_case`` in a fresh unit of work and call it with ``args``; returns its result."""
        async with self.unit() as request:
            return await (await request.get(use_case))(*args, **kwargs)

    async def get(self, dependency: type[T]) -> T:
        """An APP-scoped dependency (the engine, the settings)."""
        return await self._container.get(dependency)
