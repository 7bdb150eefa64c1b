"""One database transaction per unit of work (one HTTP request, one CLI batch)."""

from sqlalchemy.ext.asyncio import AsyncConnection

from prm.application.shared.ports import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """Commits the REQUEST-scoped connection; closing it without a commit rolls back."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def commit(self) -> None:
        await self._connection.commit()
