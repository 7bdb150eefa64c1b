"""PRM in-process: the same use cases as the HTTP API, without HTTP.

>>> async with Prm.open(Settings.from_env()) as prm:            # doctest: +SKIP
...     patient = await prm.run(RegisterPatient, PatientInput(name=HumanName(family="Okafor")))

Each :meth:`Prm.run` is one unit of work (one transaction) for the tenant the library was opened
for (default: ``PRM_DEFAULT_TENANT_ID``), acting as ``principal`` (default: the system).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

from dishka import AsyncContainer, Provider, Scope, from_context

from prm.application.shared.context import SYSTEM, Principal, RequestContext
from prm.domain.shared.ids import TenantId
from prm.ioc import make_container
from prm.settings import Settings

T = TypeVar("T")


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
        principal: Principal = SYSTEM,
        providers: tuple[Provider, ...] = (),
    ) -> AsyncIterator["Prm"]:
        """Open PRM on ``settings`` (default: from the environment); closes the engine on exit.

        The database must be migrated (``prm db upgrade``).
        """
        settings = settings or Settings.from_env()
        context = RequestContext(
            tenant_id=TenantId(tenant_id or settings.default_tenant_id),
            principal=principal,
            phone_region=settings.default_phone_region.upper(),
        )
        container = make_container(settings, LibraryContextProvider(), *providers)
        try:
            yield cls(container, context)
        finally:
            await container.close()

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
