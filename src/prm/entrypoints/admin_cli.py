"""The CLI's identity and audit commands: ``prm tenants``, ``prm users``, ``prm audit``, and the
first-run hint of ``prm serve``.

    prm tenants create --name NAME --slug SLUG [--time-zone TZ] [--phone-region CC]
    prm tenants list
    prm users create-admin --tenant SLUG --email EMAIL --full-name NAME   (password asked, or PRM_ADMIN_PASSWORD)
    prm audit export --tenant SLUG [--since ISO] [--until ISO] [--format jsonl|csv] [--output FILE]
"""

import csv
import getpass
import json
import os
import secrets
import sys
from datetime import UTC, datetime
from typing import IO, Any

from prm.application.audit.export_audit_events import ExportAuditEvents
from prm.application.audit.ports import AuditCriteria, AuditEvent
from prm.application.identity.create_tenant import CreateTenant, CreateTenantCommand
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.identity.ports import TenantRepository
from prm.domain.shared.errors import DomainError
from prm.entrypoints.library import Prm
from prm.settings import Settings

AUDIT_COLUMNS = (
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "changed_fields",
    "request_id",
    "client_ip",
)
DEV_TENANT_SLUG = "dev"
DEV_ADMIN_EMAIL = "admin@example.org"


async def create_tenant(settings: Settings, *, name: str, slug: str, time_zone: str, phone_region: str) -> int:
    try:
        async with Prm.open(settings) as prm:
            tenant = await prm.run(
                CreateTenant,
                CreateTenantCommand(name=name, slug=slug, time_zone=time_zone, phone_region=phone_region),
            )
    except DomainError as exc:
        print(f"prm tenants create: {exc.detail}", file=sys.stderr)
        return 2
    print(f"tenant {tenant.slug} created: id {tenant.id}")
    print(f"next: prm users create-admin --tenant {tenant.slug} --email you@example.org --full-name 'Your Name'")
    return 0


async def list_tenants(settings: Settings) -> int:
    async with Prm.open(settings) as prm, prm.unit() as unit:
        for tenant in await (await unit.get(TenantRepository)).list():
            state = "active" if tenant.is_active else "inactive"
            print(f"{tenant.slug}\t{tenant.id}\t{tenant.name}\t{tenant.time_zone}\t{tenant.phone_region}\t{state}")
    return 0


def _password() -> str:
    given = os.environ.get("PRM_ADMIN_PASSWORD")
    if given:
        return given
    first = getpass.getpass("password (12+ characters): ")
    if first != getpass.getpass("again: "):
        raise SystemExit("prm users create-admin: the passwords differ")
    return first


async def create_admin(settings: Settings, *, tenant: str, email: str, full_name: str) -> int:
    try:
        async with Prm.open(settings, tenant=tenant) as prm:
            user = await prm.run(
                CreateUser, CreateUserCommand(email=email, full_name=full_name, password=_password(), roles=("admin",))
            )
    except DomainError as exc:
        print(f"prm users create-admin: {exc.detail}", file=sys.stderr)
        return 2
    print(f"admin {user.email} created in tenant {tenant}: log in at POST /api/v1/prm/auth/login")
    return 0


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "occurred_at": event.occurred_at.isoformat(),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "changed_fields": list(event.changed_fields),
        "request_id": event.request_id,
        "client_ip": event.client_ip,
    }


def parse_time(text: str | None) -> datetime | None:
    """ISO 8601 (a date alone is midnight UTC; a time without offset is UTC)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def export_audit(
    settings: Settings, *, tenant: str, since: str | None, until: str | None, fmt: str, out: IO[str]
) -> int:
    """Write the tenant's audit events, oldest first, as JSON lines or CSV (``changed_fields``
    joined with ``;`` in CSV)."""
    criteria = AuditCriteria(since=parse_time(since), until=parse_time(until))
    count = 0
    async with Prm.open(settings, tenant=tenant) as prm, prm.unit() as unit:
        events = (await unit.get(ExportAuditEvents))(criteria)
        writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS) if fmt == "csv" else None
        if writer is not None:
            writer.writeheader()
        async for event in events:
            row = _row(event)
            if writer is not None:
                writer.writerow({**row, "changed_fields": ";".join(row["changed_fields"])})
            else:
                out.write(json.dumps(row, separators=(",", ":")) + "\n")
            count += 1
    print(f"{count} audit events exported", file=sys.stderr)
    return 0


async def first_run_hint(settings: Settings) -> None:
    """On a database without tenants: in development create tenant ``dev`` and an admin whose
    password is printed once; otherwise print how to create the first tenant and admin."""
    async with Prm.open(settings) as prm, prm.unit() as unit:
        if await (await unit.get(TenantRepository)).list():
            return
    if settings.env != "development":
        print(
            "PRM has no tenant yet. Create one and its first admin:\n"
            "  prm tenants create --name 'St Mary Clinic' --slug st-marys\n"
            "  prm users create-admin --tenant st-marys --email you@example.org --full-name 'Your Name'",
            file=sys.stderr,
        )
        return
    password = secrets.token_urlsafe(12)
    async with Prm.open(settings) as prm:
        tenant = await prm.run(
            CreateTenant,
            CreateTenantCommand(
                name="Development", slug=DEV_TENANT_SLUG, phone_region=settings.default_phone_region.upper()
            ),
        )
    async with Prm.open(settings, tenant_id=tenant.id) as prm:
        await prm.run(
            CreateUser,
            CreateUserCommand(
                email=DEV_ADMIN_EMAIL, full_name="Development Admin", password=password, roles=("admin",)
            ),
        )
    print(
        f"development mode, empty database: created tenant '{DEV_TENANT_SLUG}' and admin {DEV_ADMIN_EMAIL}\n"
        f"  password (shown once): {password}\n"
        '  log in: POST /api/v1/prm/auth/login {"email": ..., "password": ...}',
        file=sys.stderr,
    )
