"""The worker inside ``prm serve`` (``PRM_WORKER=on``, the default): started with the app, stopped
with it (SIGTERM: the relay ends its batch, jobs in hand finish or are given back).

It has a container of its own (its own database pool), with the overrides the app was built
with, so that a test's frozen clock or cheap hashing apply to background work too.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from dishka import Provider

from prm.entrypoints.library import LibraryContextProvider
from prm.entrypoints.worker.service import Worker
from prm.ioc import make_container
from prm.settings import Settings

log = structlog.get_logger(__name__)


@asynccontextmanager
async def worker_in_process(settings: Settings, *overrides: Provider) -> AsyncIterator[Worker | None]:
    """Run a :class:`Worker` in the background for the block's duration (``None`` when
    ``settings.worker`` is ``off``)."""
    if settings.worker == "off":
        yield None
        return
    container = make_container(settings, LibraryContextProvider(), *overrides)
    worker = Worker(settings, container)
    task = asyncio.create_task(worker.run(), name="prm-worker")
    try:
        yield worker
    finally:
        worker.stop()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=35)
        except TimeoutError:
            log.warning("worker.stop_timeout")
            task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, timeout=5)
        except Exception:
            log.exception("worker.failed")
        await container.close()
