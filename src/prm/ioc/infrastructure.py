"""Process-wide infrastructure: settings, engine, clock; and one connection per unit of work."""

from collections.abc import AsyncIterator

from dishka import Provider, Scope, alias, from_context, provide
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from prm.adapters.clock import SystemClock
from prm.adapters.sql.audit import SqlAuditTrail
from prm.adapters.sql.engine import make_engine
from prm.adapters.sql.outbox import SqlOutbox
from prm.adapters.sql.tenancy import bind_tenant, unbind_tenant
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.shared.audit import AuditTrail
from prm.application.shared.context import RequestContext
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.shared.ids import TenantId
from prm.settings import Settings


class InfrastructureProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    clock = provide(SystemClock, provides=Clock, scope=Scope.APP)
    uow = provide(SqlUnitOfWork, scope=Scope.REQUEST)
    uow_port = alias(source=SqlUnitOfWork, provides=UnitOfWork)
    outbox = provide(SqlOutbox, provides=Outbox, scope=Scope.REQUEST)
    audit = provide(SqlAuditTrail, provides=AuditTrail, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        yield engine
        await engine.dispose()

    @provide(scope=Scope.REQUEST)
    async def connection(self, engine: AsyncEngine, context: RequestContext) -> AsyncIterator[AsyncConnection]:
        async with engine.connect() as connection:  # closing without commit rolls back
            bind_tenant(connection, context.tenant_id)
            try:
                yield connection
            finally:
                unbind_tenant(connection)

    @provide(scope=Scope.REQUEST)
    def tenant_id(self, context: RequestContext) -> TenantId:
        return context.tenant_id
