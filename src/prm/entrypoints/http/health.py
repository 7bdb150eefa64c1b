"""Liveness and readiness probes (outside the versioned API, as orchestrators expect)."""

import asyncio
from typing import Any

import msgspec
from litestar import Request, Response, get

from prm.adapters.sql.connection import SqlDatabase

READY_TIMEOUT_SECONDS = 2.0


class Health(msgspec.Struct, frozen=True):
    status: str


@get("/health", opt={"public": True}, tags=["operations"], summary="Liveness")
async def health() -> Health:
    """The process is up. No database access."""
    return Health(status="ok")


@get("/ready", opt={"public": True}, tags=["operations"], summary="Readiness")
async def ready(request: Request[Any, Any, Any]) -> Response[Health]:
    """200 when the database answers ``SELECT 1`` within 2 seconds, 503 otherwise."""
    database: SqlDatabase = request.app.state.database
    try:
        await asyncio.wait_for(database.ping(), READY_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - any failure to reach the database means "not ready"
        return Response(Health(status="database unavailable"), status_code=503)
    return Response(Health(status="ready"))
