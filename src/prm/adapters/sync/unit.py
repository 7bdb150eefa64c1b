"""The unit of work one device change is applied in, over the SQL unit of work."""

from contextlib import AbstractAsyncContextManager

from prm.adapters.sql.unit_of_work import SqlUnitOfWork
from prm.application.sync.ports import SyncUnit


class SqlSyncUnit(SyncUnit):
    """A change of an upload joins the unit of work (its use case's commit is held for the ledger row)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def joined(self) -> AbstractAsyncContextManager[None]:
        return self._uow.held()

    async def commit(self) -> None:
        await self._uow.commit()
