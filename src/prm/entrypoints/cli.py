"""The ``prm`` command line: serve, migrate, and batch jobs. A thin layer over the library.

    prm serve                     serve the HTTP API (PRM_HOST, PRM_PORT)
    prm db upgrade [REVISION]     apply migrations (default: head)
    prm db downgrade REVISION
    prm db current                print the database's revision
    prm import synthea DIR        load a Synthea CSV export (patients, practitioners)

Exit codes: 0 done, 1 finished with rejected rows, 2 bad usage or configuration.
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence

from prm.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"prm: invalid configuration: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from prm.entrypoints.http.app import create_app

    settings = _settings()
    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        access_log=False,
        log_config=None,
        loop="uvloop",
        http="httptools",
        lifespan="on",
    )
    return 0


def _db(args: argparse.Namespace) -> int:
    from prm.adapters.sql import migrate
    from prm.entrypoints.logging import configure_logging

    settings = _settings()
    configure_logging(settings)
    if args.action == "upgrade":
        migrate.upgrade(settings.database_url, args.revision or "head")
        print(f"database at revision {migrate.current_revision(settings.database_url)}")
    elif args.action == "downgrade":
        if not args.revision:
            print("prm db downgrade: give the revision to go down to (e.g. base)", file=sys.stderr)
            return 2
        migrate.downgrade(settings.database_url, args.revision)
    else:
        print(migrate.current_revision(settings.database_url) or "(not migrated)")
    return 0


def _import(args: argparse.Namespace) -> int:
    from prm.entrypoints.synthea_import import run_synthea_import

    return asyncio.run(
        run_synthea_import(
            _settings(), args.folder, batch_size=args.batch_size, tenant_id=args.tenant, progress=not args.no_progress
        )
    )


def parser() -> argparse.ArgumentParser:
    from uuid import UUID

    top = argparse.ArgumentParser(prog="prm", description="PRM: patient relationship management")
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", help="override PRM_HOST")
    serve.add_argument("--port", type=int, help="override PRM_PORT")
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?")
    db.set_defaults(handler=_db)

    imports = commands.add_parser("import", help="batch imports")
    sources = imports.add_subparsers(dest="source", required=True)
    synthea = sources.add_parser("synthea", help="a Synthea CSV export folder (patients.csv, providers.csv, ...)")
    synthea.add_argument(
        "folder", help="folder holding patients.csv and, when present, providers.csv and organizations.csv"
    )
    synthea.add_argument("--batch-size", type=int, default=1000, help="rows per transaction (default 1000)")
    synthea.add_argument("--tenant", type=UUID, help="tenant id (default PRM_DEFAULT_TENANT_ID)")
    synthea.add_argument("--no-progress", action="store_true", help="no progress bar")
    synthea.set_defaults(handler=_import)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
