"""The ``prm`` command line: serve, migrate, and batch jobs. A thin layer over the library.

    prm serve [--workers N]       serve the HTTP API (PRM_HOST, PRM_PORT, PRM_WORKERS)
    prm db upgrade [REVISION]     apply migrations (default: head)
    prm db downgrade REVISION
    prm db current                print the database's revision
    prm import synthea DIR        load a Synthea CSV export (patients, practitioners) [--tenant SLUG|ID]
    prm tenants create|list       organisations (see entrypoints/cli/admin.py)
    prm users create-admin        a tenant's first admin
    prm users reset-password      a user's new password (its sessions closed)
    prm audit export              the audit trail as JSON lines or CSV
    prm worker [status]           background work: outbox relay, jobs, periodic tasks (or how it is doing)

Exit codes: 0 done, 1 finished with rejected rows, 2 bad usage or configuration (a database
that is not migrated included: one line on stderr).
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prm.settings import Settings, SettingsError


def _settings() -> Settings:
    """The settings, with logging configured (to stderr: stdout is for the commands' output)."""
    from prm.entrypoints.logging import configure_logging

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"prm: invalid configuration: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    configure_logging(settings)
    return settings


def _positive(text: str) -> int:
    """A whole number of 1 or more (a usage error, exit 2, otherwise)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def moment(text: str) -> datetime:
    """An RFC 3339 / ISO 8601 time (``2026-03-01T09:30:00+01:00``, ``...Z``) or date (``2026-03-01``,
    midnight); without an offset it is UTC. Raises ``ArgumentTypeError`` (a usage error, exit 2)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or time: use e.g. 2026-03-01 or 2026-03-01T09:30:00Z"
        ) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


APP_FACTORY = "prm.entrypoints.http.app:create_app"
"""What each worker of ``prm serve --workers N`` imports and calls: it reads the settings from the
environment, which every worker inherits from ``prm serve``."""


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from prm.entrypoints.cli.admin import first_run_hint

    settings = _settings()
    host, port = args.host or settings.host, args.port or settings.port
    workers = args.workers or settings.workers
    if workers > 1 and settings.env == "test" and not settings.jwt_keys:
        print("prm serve: several workers need one signing key: set PRM_JWT_KEYS", file=sys.stderr)
        return 2
    try:
        # In this process, before any worker starts: refuses production without PRM_JWT_KEYS, and
        # makes the development key file once, so that the workers all read the same key.
        settings.signing_keys()
    except SettingsError as exc:
        print(f"prm: invalid configuration: {exc}", file=sys.stderr)
        return 2
    asyncio.run(first_run_hint(settings, host=host, port=port))  # once, before the workers start
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": False,
        "log_config": None,
        "loop": "uvloop",
        "http": "httptools",
        "lifespan": "on",
    }
    if workers == 1:
        from prm.entrypoints.http.app import create_app

        uvicorn.run(create_app(settings), **options)
    else:
        # uvicorn's supervisor binds the socket, starts the workers (spawned: each imports PRM and
        # builds its own app, container and pool) and restarts one that dies.
        uvicorn.run(APP_FACTORY, factory=True, workers=workers, **options)
    return 0


def _db(args: argparse.Namespace) -> int:
    from prm.adapters.sql import migrate
    from prm.entrypoints.logging import configure_logging

    settings = _settings()
    configure_logging(settings)
    url = settings.database_url
    if args.action == "current":
        print(migrate.current_revision(url) or "(not migrated)")
        return 0
    if args.action == "downgrade" and not args.revision:
        print("prm db downgrade: give the revision to go down to (e.g. base)", file=sys.stderr)
        return 2
    try:
        if args.action == "upgrade":
            done = migrate.upgrade(url, args.revision or "head")
        else:
            done = migrate.downgrade(url, args.revision)
    except migrate.MigrationRefused as exc:
        print(f"prm db {args.action}: {exc}", file=sys.stderr)
        return 2
    before, after = done.before or "base", done.after or "base"
    moved = f"{args.action}d from {before} to {after}" if before != after else f"already at {after}"
    print(f"database {moved} ({migrate.display_url(url)})")
    return 0


def _import(args: argparse.Namespace) -> int:
    from prm.entrypoints.cli.imports import run_synthea_import

    settings = _settings()
    from prm.entrypoints.cli.admin import tenant_id_of

    tenant_id = asyncio.run(tenant_id_of(settings, args.tenant)) if args.tenant else None
    if tenant_id is None and args.tenant:
        return 2
    return asyncio.run(
        run_synthea_import(
            settings,
            args.folder,
            batch_size=args.batch_size,
            tenant_id=tenant_id or None,
            progress=not args.no_progress,
        )
    )


def _tenants(args: argparse.Namespace) -> int:
    from prm.entrypoints.cli import admin

    settings = _settings()
    if args.action == "list":
        return asyncio.run(admin.list_tenants(settings))
    if not args.name or not args.slug:
        print("prm tenants create: give --name and --slug", file=sys.stderr)
        return 2
    return asyncio.run(
        admin.create_tenant(
            settings, name=args.name, slug=args.slug, time_zone=args.time_zone, phone_region=args.phone_region
        )
    )


def _users(args: argparse.Namespace) -> int:
    from prm.entrypoints.cli import admin

    settings = _settings()
    if args.action == "reset-password":
        return asyncio.run(admin.reset_password(settings, tenant=args.tenant, email=args.email))
    return asyncio.run(admin.create_admin(settings, tenant=args.tenant, email=args.email, full_name=args.full_name))


def _audit(args: argparse.Namespace) -> int:
    from prm.entrypoints.cli import admin

    settings = _settings()
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        return asyncio.run(
            admin.export_audit(
                settings, tenant=args.tenant, since=args.since, until=args.until, fmt=args.format, out=out
            )
        )
    except BrokenPipeError:  # `prm audit export | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        if out is not sys.stdout:
            out.close()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="prm", description="PRM: patient relationship management")
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", help="override PRM_HOST")
    serve.add_argument("--port", type=int, help="override PRM_PORT")
    serve.add_argument("--workers", type=_positive, help="worker processes on the one address (default PRM_WORKERS, 1)")
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?")
    db.set_defaults(handler=_db)

    imports = commands.add_parser("import", help="batch imports")
    sources = imports.add_subparsers(dest="source", required=True)
    synthea = sources.add_parser(
        "synthea",
        help="a Synthea CSV export folder (patients.csv, providers.csv, ...)",
        description="Load a Synthea CSV export: providers.csv (with organizations.csv) as practitioners,\n"
        "patients.csv as patients, encounters.csv as past, fulfilled appointments. Rows are\n"
        "upserted by their Synthea Id: running it again never duplicates.",
        epilog="""\
stderr, as the rows go by:
  patients.csv:17: BIRTHDATE: not a date '1990-13-01'
      a rejected row: unusable (no Id, no name, an unreadable birth date), left out
  warning: organizations.csv:12: PHONE: not a valid phone number in US '871-595-3366': left out ...
      a warning: a value of an optional column left out (or kept as written), the row imported
stdout: the tenant (by slug), a line per file (rows, created, updated, unchanged, rejected,
warnings) and each file skipped, and why (absent, empty, an unknown column layout, not imported).
Phones are read in the country of their row (its STATE), else in the tenant's phone region.

exit codes:
  0  every row imported (warnings allowed)
  1  some rows rejected, or a file present could not be read (empty, an unknown column layout)
  2  nothing imported: no such folder, no readable patients.csv, providers.csv or encounters.csv,
     every row rejected, a database without PRM's tables, bad usage
""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    synthea.add_argument(
        "folder",
        help="folder holding patients.csv, providers.csv, organizations.csv and encounters.csv (any may be absent)",
    )
    synthea.add_argument("--batch-size", type=int, default=1000, help="rows per transaction (default 1000)")
    synthea.add_argument("--tenant", help="tenant slug or id (default PRM_DEFAULT_TENANT_ID)")
    synthea.add_argument("--no-progress", action="store_true", help="no progress bar")
    synthea.set_defaults(handler=_import)

    from prm.entrypoints.cli.fhir_import import add_fhir_import

    add_fhir_import(sources, _settings)

    tenants = commands.add_parser("tenants", help="organisations")
    tenants.add_argument("action", choices=["create", "list"])
    tenants.add_argument("--name", help="display name")
    tenants.add_argument("--slug", help="short name: a-z, 0-9, inner hyphens")
    tenants.add_argument("--time-zone", default="UTC", help="IANA time zone (default UTC)")
    tenants.add_argument("--phone-region", default="US", help="ISO 3166-1 alpha-2 region for local phones")
    tenants.set_defaults(handler=_tenants)

    users = commands.add_parser("users", help="users")
    user_actions = users.add_subparsers(dest="action", required=True)
    asked_how = "the password is asked twice on the terminal, or read from PRM_ADMIN_PASSWORD"
    create_admin = user_actions.add_parser(
        "create-admin", help="a tenant's admin", description=f"Create an admin of a tenant; {asked_how}."
    )
    reset_password = user_actions.add_parser(
        "reset-password",
        help="a user's new password; closes its sessions",
        description=f"Give a user a new password and close its sessions; {asked_how}.",
    )
    for action in (create_admin, reset_password):
        action.add_argument("--tenant", required=True, help="tenant slug or id")
        action.add_argument("--email", required=True)
        action.set_defaults(handler=_users)
    create_admin.add_argument("--full-name", required=True)

    audit = commands.add_parser("audit", help="the audit trail")
    audit.add_argument("action", choices=["export"])
    audit.add_argument("--tenant", required=True, help="tenant slug or id")
    audit.add_argument(
        "--since", type=moment, help="RFC 3339 time or date (2026-03-01; UTC unless an offset is given), inclusive"
    )
    audit.add_argument("--until", type=moment, help="RFC 3339 time or date, exclusive")
    audit.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    audit.add_argument("--output", help="file to write (default stdout)")
    audit.set_defaults(handler=_audit)

    from prm.entrypoints.cli.hl7 import add_hl7_command
    from prm.entrypoints.cli.patients import add_patients_command
    from prm.entrypoints.worker.command import add_worker_command

    add_patients_command(commands, _settings)
    add_hl7_command(commands, _settings)

    add_worker_command(commands, _settings)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from prm.adapters.sql.migrate import DatabaseNotMigrated

    try:
        return int(args.handler(args))
    except DatabaseNotMigrated as exc:
        action = getattr(args, "action", None) or getattr(args, "source", None)
        print(f"prm {args.command}{f' {action}' if action else ''}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
