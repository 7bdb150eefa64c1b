"""``prm worker``: run the background work until SIGTERM/SIGINT; ``prm worker status``: how it is doing.

    prm worker [--concurrency N] [--until-idle]
    prm worker status [--json]

``--until-idle`` relays and runs what is due, then exits (a batch step, or a test). The status
prints the relay's lag (the oldest unpublished event's age), pending events, handlers failing and
parked (with the latest failures) and jobs by state; ``--json`` prints it as one JSON object.
Exit codes: 0, or 1 from ``status`` when some handler is parked.
"""

import argparse
import asyncio
import json
import signal
from collections.abc import Callable
from datetime import UTC, datetime

from prm.adapters.sql.connection import SqlDatabase
from prm.adapters.sql.migrate import check_migrated
from prm.adapters.sql.worker_status import worker_status
from prm.entrypoints.library import LibraryContextProvider
from prm.entrypoints.worker.service import Worker
from prm.ioc import make_container
from prm.settings import Settings


async def run_worker(settings: Settings, *, concurrency: int | None = None, until_idle: bool = False) -> int:
    """Run a :class:`Worker` on ``settings`` until a signal (or, ``until_idle``, until nothing is
    due); raises ``DatabaseNotMigrated`` for a database behind this code's migrations."""
    container = make_container(settings, LibraryContextProvider())
    try:
        await check_migrated(await container.get(SqlDatabase), settings.database_url)
        worker = Worker(settings, container, concurrency=concurrency)
        if until_idle:
            handled = await worker.run_until_idle()
            print(f"handled {handled} events and jobs")
            return 0
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, worker.stop)
        await worker.run()
        return 0
    finally:
        await container.close()


async def print_status(settings: Settings, *, as_json: bool = False) -> int:
    """Print :class:`~prm.adapters.sql.worker_status.WorkerStatus` (a table, or one JSON object);
    returns 1 when a handler is parked, else 0; raises ``DatabaseNotMigrated``."""
    container = make_container(settings, LibraryContextProvider())
    try:
        database = await container.get(SqlDatabase)
        await check_migrated(database, settings.database_url)
        status = await worker_status(database, datetime.now(UTC))
    finally:
        await container.close()
    if as_json:
        print(json.dumps(status.as_dict(), indent=2))
    else:
        print(f"relay lag        {status.lag_seconds:.1f} s ({status.pending_events} events pending)")
        print(f"handlers         {status.failing} failing, {status.parked} parked")
        print("jobs             " + (", ".join(f"{n} {state}" for state, n in sorted(status.jobs.items())) or "none"))
        for failure in status.failures:
            state = "parked" if failure["parked"] else f"attempt {failure['attempts']}"
            print(
                f"  {failure['handler']} on {failure['event_type']} {failure['event_id']}: {state}: {failure['error']}"
            )
    return 1 if status.parked else 0


def add_worker_command(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]", load: Callable[[], Settings]
) -> None:
    """``prm worker`` and ``prm worker status`` on the CLI's sub-commands; ``load`` reads the settings."""
    worker = commands.add_parser(
        "worker",
        help="run background work (outbox relay, jobs, periodic tasks); `prm worker status`",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    worker.add_argument("action", nargs="?", choices=["run", "status"], default="run")
    worker.add_argument("--concurrency", type=int, help="jobs run at once (default PRM_WORKER_CONCURRENCY, 4)")
    worker.add_argument("--until-idle", action="store_true", help="handle what is due, then exit")
    worker.add_argument("--json", action="store_true", help="status as JSON")

    def handle(args: argparse.Namespace) -> int:
        settings = load()
        if args.action == "status":
            return asyncio.run(print_status(settings, as_json=args.json))
        return asyncio.run(run_worker(settings, concurrency=args.concurrency, until_idle=args.until_idle))

    worker.set_defaults(handler=handle)
