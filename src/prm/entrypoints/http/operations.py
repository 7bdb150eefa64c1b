"""Operations: how the background work is doing (``GET /api/v1/prm/operations/worker``).

The same figures as ``prm worker status``, for dashboards and alerts: the relay's lag (seconds the
oldest unpublished event has waited), pending events, event handlers failing and parked (with
the latest failures: event id and type, handler, attempts, error class and message; never
payloads), and jobs by state. Across tenants, so it needs ``operations:read`` (admins).
"""

from datetime import UTC, datetime
from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.worker_status import worker_status

OPERATIONS_READ = {"permission": "operations:read"}


class OperationsController(Controller):
    path = "/operations"
    tags = ("operations",)

    @get(
        "/worker",
        opt=OPERATIONS_READ,
        operation_id="getWorkerStatus",
        summary="Background work: relay lag, failing handlers, jobs",
    )
    @inject
    async def worker(self, database: FromDishka[SqlDatabase]) -> dict[str, Any]:
        """``{pending_events, oldest_pending_at, lag_seconds, failing_handlers, parked_handlers,
        jobs: {state: count}, failures: [...]}``; times RFC 3339 UTC, lag in seconds."""
        return (await worker_status(database, datetime.now(UTC))).as_dict()
