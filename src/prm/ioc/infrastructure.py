"""Process-wide infrastructure: settings, the database, clock; and one connection per unit of work."""

from collections.abc import AsyncIterator

from dishka import Provider, Scope, alias, from_context, provide

from prm.adapters.clock import SystemClock
from prm.adapters.sql.connection import SqlConnection, SqlDatabase
from prm.adapters.sql.engine import make_database
from prm.adapters.sql.job_scheduler import SqlJobScheduler
from prm.adapters.sql.outbox import SqlOutbox
from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.shared.context import RequestContext
from prm.application.shared.jobs import JobScheduler
from prm.application.shared.ports import Clock, Outbox, UnitOfWork
from prm.domain.shared.ids import TenantId
from prm.settings import Settings


class InfrastructureProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    clock = provide(SystemClock, provides=Clock, scope=Scope.APP)
    uow = provide(SqlUnitOfWork, scope=Scope.REQUEST)
    uow_port = alias(source=SqlUnitOfWork, provides=UnitOfWork)
    outbox = provide(SqlOutbox, provides=Outbox, scope=Scope.REQUEST)
    jobs = provide(SqlJobScheduler, provides=JobScheduler, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    async def database(self, settings: Settings) -> AsyncIterator[SqlDatabase]:
        database = make_database(settings.database_url, pool_size=settings.db_pool_size)
        yield database
        await database.close()

    @provide(scope=Scope.REQUEST)
    async def connection(self, database: SqlDatabase, context: RequestContext) -> AsyncIterator[SqlConnection]:
        """The unit of work's connection, bound to the caller's tenant (row-level security on
        PostgreSQL); closing it without a commit rolls back."""
        async with database.connect(context.tenant_id) as connection:
            yield connection

    @provide(scope=Scope.REQUEST)
    def tenant_id(self, context: RequestContext) -> TenantId:
        return context.tenant_id
