"""The CLI's identity and audit commands: ``prm tenants``, ``prm users``, ``prm audit``, and the
first-run hint of ``prm serve``.

    prm tenants create --name NAME --slug SLUG [--time-zone TZ] [--phone-region CC]
    prm tenants list
    prm users create-admin --tenant SLUG --email EMAIL --full-name NAME   (password asked, or PRM_ADMIN_PASSWORD)
    prm audit export --tenant SLUG [--since ISO] [--until ISO] [--format jsonl|csv] [--output FILE]

``--tenant`` takes a slug or an id. Bad input (unknown tenant, weak password, duplicate email or
slug, an empty time range) is reported on stderr with exit code 2.
"""

import csv
import getpass
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import IO, Any
from uuid import UUID

from sqlalchemy.exc import SQLAlchemyError

from prm.application.audit.export_audit_events import ExportAuditEvents
from prm.application.audit.ports import AuditCriteria, AuditEvent
from prm.application.identity.create_tenant import CreateTenant, CreateTenantCommand
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.identity.ports import TenantRepository
from prm.domain.identity.errors import TenantNotFound
from prm.domain.identity.model import Tenant
from prm.domain.shared.errors import DomainError
from prm.domain.shared.ids import TenantId
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


async def find_tenant(settings: Settings, tenant: str) -> Tenant:
    """The tenant with this slug or id; raises ``TenantNotFound``."""
    try:
        by_id: UUID | None = UUID(tenant)
    except ValueError:
        by_id = None
    async with Prm.open(settings) as prm, prm.unit() as unit:
        tenants: TenantRepository = await unit.get(TenantRepository)
        found: Tenant | None = await (tenants.get(TenantId(by_id)) if by_id else tenants.get_by_slug(tenant))
    if found is None:
        raise TenantNotFound(f"no tenant {tenant!r} (slug or id): `prm tenants list` shows them")
    return found


@asynccontextmanager
async def _open_tenant(settings: Settings, tenant: str) -> AsyncIterator[Prm]:
    """PRM for an existing tenant (slug or id); raises ``TenantNotFound``."""
    found = await find_tenant(settings, tenant)
    async with Prm.open(settings, tenant_id=found.id) as prm:
        yield prm


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
        found = await (await unit.get(TenantRepository)).list()
    if not found:
        print("no tenant yet: prm tenants create --name NAME --slug SLUG", file=sys.stderr)
    for tenant in found:
        state = "active" if tenant.is_active else "inactive"
        print(f"{tenant.slug}\t{tenant.id}\t{tenant.name}\t{tenant.time_zone}\t{tenant.phone_region}\t{state}")
    return 0


def _password() -> str:
    given = os.environ.get("PRM_ADMIN_PASSWORD")
    if given:
        return given
    first = getpass.getpass("password (12+ characters): ")
    if first != getpass.getpass("again: "):
        print("prm users create-admin: the passwords differ", file=sys.stderr)
        raise SystemExit(2)
    return first


async def create_admin(settings: Settings, *, tenant: str, email: str, full_name: str) -> int:
    try:
        async with _open_tenant(settings, tenant) as prm:
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


async def export_audit(
    settings: Settings, *, tenant: str, since: datetime | None, until: datetime | None, fmt: str, out: IO[str]
) -> int:
    """Write the tenant's audit events, oldest first, as JSON lines or CSV (``changed_fields``
    joined with ``;`` in CSV). The export is itself recorded (``export`` of ``audit_event``)."""
    criteria = AuditCriteria(since=since, until=until)
    count = 0
    try:
        async with _open_tenant(settings, tenant) as prm, prm.unit() as unit:
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
    except DomainError as exc:
        print(f"prm audit export: {exc.detail}", file=sys.stderr)
        return 2
    out.flush()
    print(f"{count} audit events exported", file=sys.stderr)
    return 0


async def first_run_hint(settings: Settings) -> None:
    """On a database without tenants: in development create tenant ``dev`` (with the id
    ``PRM_DEFAULT_TENANT_ID``, so that ``prm import synthea`` without ``--tenant`` fills it) and an
    admin whose password is printed once; otherwise print how to create the first tenant and admin.
    A database that cannot be read (not migrated, down) is reported, and serving goes on."""
    try:
        async with Prm.open(settings) as prm, prm.unit() as unit:
            if await (await unit.get(TenantRepository)).list():
                return
    except SQLAlchemyError as exc:
        print(
            f"prm serve: cannot look for tenants ({type(exc).__name__}): is the database up and migrated "
            "(`prm db upgrade`)?",
            file=sys.stderr,
        )
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
                name="Development",
                slug=DEV_TENANT_SLUG,
                phone_region=settings.default_phone_region.upper(),
                tenant_id=TenantId(settings.default_tenant_id),
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
        f"  password (shown once; change it at POST /api/v1/prm/auth/change-password): {password}\n"
        f"  log in: curl -X POST http://{settings.host}:{settings.port}/api/v1/prm/auth/login "
        f"""-H 'Content-Type: application/json' -d '{{"email": "{DEV_ADMIN_EMAIL}", "password": "{password}"}}'""",
        file=sys.stderr,
    )
