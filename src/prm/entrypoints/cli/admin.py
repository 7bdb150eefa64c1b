"""The CLI's identity and audit commands: ``prm tenants``, ``prm users``, ``prm audit``, and the
first-run bootstrap of ``prm serve``.

    prm tenants create --name NAME --slug SLUG [--time-zone TZ] [--phone-region CC]
    prm tenants list
    prm users create-admin --tenant SLUG --email EMAIL --full-name NAME   (password asked, or PRM_ADMIN_PASSWORD)
    prm users reset-password --tenant SLUG --email EMAIL                  (likewise)
    prm audit export --tenant SLUG [--since ISO] [--until ISO] [--format jsonl|csv] [--output FILE]

``--tenant`` takes a slug or an id. Bad input (unknown tenant or email, weak or mismatched
passwords, no terminal to ask a password on, duplicate email or slug, an empty time range) is
reported on stderr in one line, with exit code 2. The commands act as the system principal, so
their changes are audited as ``system``'s.

In development, the first ``prm serve`` on an empty database creates tenant ``dev`` and its admin
``admin@example.org`` with a random password, printed in a box on stderr (with a login ``curl``
for the address the server is about to listen on) and kept in
``<PRM_STATE_DIR>/first-admin-password.txt``, readable only by its owner. ``prm users
reset-password`` on that admin deletes the file. The password is never logged.
"""

import csv
import getpass
import json
import os
import secrets
import string
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.panel import Panel
from rich.text import Text

from prm.adapters.sql.failures import DatabaseFailure, database_failures_translated
from prm.application.audit.export_audit_events import ExportAuditEvents
from prm.application.audit.ports import AuditCriteria, AuditEvent
from prm.application.identity.create_tenant import CreateTenant, CreateTenantCommand
from prm.application.identity.create_user import CreateUser, CreateUserCommand
from prm.application.identity.ports import Accounts, TenantRepository
from prm.application.identity.update_user import UpdateUser, UpdateUserCommand
from prm.domain.identity.errors import TenantNotFound, UserNotFound
from prm.domain.identity.model import Tenant, User
from prm.domain.shared.errors import DomainError
from prm.domain.shared.ids import TenantId
from prm.entrypoints.library import DatabaseNotMigrated, Prm
from prm.settings import Settings

AUDIT_COLUMNS = (
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "entity_ids",
    "changed_fields",
    "request_id",
    "client_ip",
)
DEV_TENANT_SLUG = "dev"
DEV_ADMIN_EMAIL = "admin@example.org"
FIRST_ADMIN_FILE = "first-admin-password.txt"
LOGIN_PATH = "/api/v1/prm/auth/login"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits  # no punctuation: a double click selects it all
_PASSWORD_LENGTH = 20  # about 119 bits
_RULES = box.Box("━━━━\n    \n ━━ \n    \n ━━ \n ━━ \n    \n━━━━\n")  # the first-run box: heavy rules, no sides


class PasswordNotGiven(Exception):
    """No password to use: no terminal to ask it on, the two typed differ, or input ended."""


async def tenant_id_of(settings: Settings, tenant: str) -> UUID | None:
    """The id of the tenant named by ``tenant`` (a slug or an id); ``None`` when there is none,
    said on stderr (``prm: no tenant ...``), for a command to exit 2."""
    try:
        return (await find_tenant(settings, tenant)).id
    except TenantNotFound as exc:
        print(f"prm: {exc.detail}", file=sys.stderr)
        return None


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
    """``PRM_ADMIN_PASSWORD``, else the password typed twice on the terminal; raises ``PasswordNotGiven``."""
    given = os.environ.get("PRM_ADMIN_PASSWORD")
    if given:
        return given
    if sys.stdin is None or not sys.stdin.isatty():  # getpass would fall back to echoing, or fail
        raise PasswordNotGiven("no terminal to ask the password on: set PRM_ADMIN_PASSWORD (or run it in a terminal)")
    try:
        first = getpass.getpass("password (12+ characters): ")
        again = getpass.getpass("again: ")
    except EOFError as exc:
        raise PasswordNotGiven("no password given") from exc
    if first != again:
        raise PasswordNotGiven("the passwords differ")
    return first


async def create_admin(settings: Settings, *, tenant: str, email: str, full_name: str) -> int:
    try:
        async with _open_tenant(settings, tenant) as prm:
            user = await prm.run(
                CreateUser, CreateUserCommand(email=email, full_name=full_name, password=_password(), roles=("admin",))
            )
    except (DomainError, PasswordNotGiven) as exc:
        print(f"prm users create-admin: {exc}", file=sys.stderr)
        return 2
    print(f"admin {user.email} created in tenant {tenant}: log in at POST {LOGIN_PATH}")
    return 0


async def _user_by_email(prm: Prm, tenant: Tenant, email: str) -> User:
    """The active user of ``tenant`` with this email (any case); raises ``UserNotFound``."""
    async with prm.unit() as unit:
        accounts: Accounts = await unit.get(Accounts)
        found = await accounts.find_by_email(email, tenant.slug)
    if not found:
        raise UserNotFound(f"no active user {email!r} in tenant {tenant.slug!r}")
    return found[0][0]


async def reset_password(settings: Settings, *, tenant: str, email: str) -> int:
    """Give the user a new password (``PRM_ADMIN_PASSWORD`` or typed twice) through ``UpdateUser``:
    the policy applies, its sessions are closed and an ``update`` of ``password_hash`` is audited."""
    try:
        found = await find_tenant(settings, tenant)
        async with Prm.open(settings, tenant_id=found.id) as prm:
            user = await _user_by_email(prm, found, email)
            await prm.run(UpdateUser, UpdateUserCommand(user_id=user.id, changes={"password": _password()}))
    except (DomainError, PasswordNotGiven) as exc:
        print(f"prm users reset-password: {exc}", file=sys.stderr)
        return 2
    print(f"password of {user.email} in tenant {found.slug} reset: its sessions are closed, it logs in again")
    kept = _forget_kept_password(settings, found.slug, user.email)
    if kept is not None:
        print(f"deleted {kept}, which held the old password", file=sys.stderr)
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
        "entity_ids": list(event.entity_ids),
        "changed_fields": list(event.changed_fields),
        "request_id": event.request_id,
        "client_ip": event.client_ip,
    }


async def export_audit(
    settings: Settings, *, tenant: str, since: datetime | None, until: datetime | None, fmt: str, out: IO[str]
) -> int:
    """Write the tenant's audit events, oldest first, as JSON lines or CSV (``entity_ids`` and
    ``changed_fields`` joined with ``;`` in CSV). The export is itself recorded (``export`` of
    ``audit_event``). A page of a list or search is one event whose ``entity_ids`` lists every
    patient shown."""
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
                    writer.writerow(
                        {
                            **row,
                            "entity_ids": ";".join(row["entity_ids"]),
                            "changed_fields": ";".join(row["changed_fields"]),
                        }
                    )
                else:
                    out.write(json.dumps(row, separators=(",", ":")) + "\n")
                count += 1
    except DomainError as exc:
        print(f"prm audit export: {exc.detail}", file=sys.stderr)
        return 2
    out.flush()
    print(f"{count} audit events exported", file=sys.stderr)
    return 0


async def first_run_hint(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """On a database without tenants: in development create tenant ``dev`` (with the id
    ``PRM_DEFAULT_TENANT_ID``, so that ``prm import synthea`` without ``--tenant`` fills it) and an
    admin whose password is printed in a box (see the module docstring; ``host`` and ``port``: where
    the server is about to listen, default the settings'); otherwise print how to create the first
    tenant and admin. A database that cannot be read (not migrated, down) is reported, and serving
    goes on."""
    try:
        async with database_failures_translated(), Prm.open(settings) as prm, prm.unit() as unit:
            if await (await unit.get(TenantRepository)).list():
                return
    except DatabaseNotMigrated as exc:
        print(f"prm serve: {exc}", file=sys.stderr)
        return
    except DatabaseFailure as exc:
        print(
            f"prm serve: cannot look for tenants ({exc.kind}): is the database up and migrated (`prm db upgrade`)?",
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
    password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_LENGTH))
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
    try:
        kept: Path | str = _keep_password(settings.state_dir, password)
    except OSError as exc:
        kept = f"{exc.strerror or exc}: {exc.filename or settings.state_dir}"
    url = login_url(host or settings.host, port or settings.port)
    console = Console(stderr=True, highlight=False, emoji=False)
    panel = _first_admin_box(password, url, kept)
    # As wide as its longest line (a long state path), so that no line is wrapped or cut.
    console.width = max(console.width, Measurement.get(console, console.options.update_width(1000), panel).maximum)
    console.print(panel)


def login_url(host: str, port: int) -> str:
    """The login route of a server listening on ``host:port``, as a local client reaches it."""
    reachable = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    return f"http://{f'[{reachable}]' if ':' in reachable else reachable}:{port}{LOGIN_PATH}"


def _reset_command(tenant: str, email: str) -> str:
    return f"prm users reset-password --tenant {tenant} --email {email}"


def _keep_password(state_dir: str, password: str) -> Path:
    """Write the first admin's password to ``<state_dir>/first-admin-password.txt``, mode 0600, in
    one step (a temporary file renamed over it); returns the path."""
    folder = Path(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FIRST_ADMIN_FILE
    temporary = folder / f".{FIRST_ADMIN_FILE}.{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(
                "# PRM development: the first admin, created by `prm serve` on an empty database.\n"
                "# Change the password at POST /api/v1/prm/auth/change-password, or reset it with\n"
                f"#   {_reset_command(DEV_TENANT_SLUG, DEV_ADMIN_EMAIL)}\n"
                "# (which deletes this file).\n"
                f"tenant: {DEV_TENANT_SLUG}\nemail: {DEV_ADMIN_EMAIL}\npassword: {password}\n"
            )
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _forget_kept_password(settings: Settings, tenant: str, email: str) -> Path | None:
    """Delete the kept first-admin password if it is this user's (it no longer works); returns its path."""
    path = Path(settings.state_dir) / FIRST_ADMIN_FILE
    try:
        fields = dict(line.split(": ", 1) for line in path.read_text(encoding="utf-8").splitlines() if ": " in line)
    except (OSError, UnicodeDecodeError):
        return None
    if fields.get("tenant") != tenant or fields.get("email", "").casefold() != email.casefold():
        return None
    path.unlink(missing_ok=True)
    return path


def _first_admin_box(password: str, url: str, kept: Path | str) -> Panel:
    """The first admin's credentials. Top and bottom rules but no side borders, so that the curl
    lines paste into a shell as they are (each line break falls inside the JSON or after ``|``)."""
    where = (
        f"It is also in {kept}, readable only by you."
        if isinstance(kept, Path)
        else f"It could not be kept in a file ({kept}): copy it now."
    )
    curl = (
        "    curl -s -H 'Content-Type: application/json' -d '{\n"
        f'      "email": "{DEV_ADMIN_EMAIL}", "tenant": "{DEV_TENANT_SLUG}",\n'
        f'      "password": "{password}"\n'
        f"    }}' {url} |\n"
        "      python3 -m json.tool --no-ensure-ascii"
    )
    lines = [
        Text("Empty database: created tenant dev and its first admin."),
        Text(""),
        Text.assemble("  email     ", (DEV_ADMIN_EMAIL, "bold")),
        Text.assemble("  tenant    ", (DEV_TENANT_SLUG, "bold")),
        Text.assemble("  password  ", (password, "bold")),
        Text(""),
        Text(where),
        Text("Log in (paste into a shell while the server runs):"),
        Text(curl, no_wrap=True),
        Text(""),
        Text("Change it at POST /api/v1/prm/auth/change-password, or reset it with"),
        Text(f"    {_reset_command(DEV_TENANT_SLUG, DEV_ADMIN_EMAIL)}", no_wrap=True),
    ]
    return Panel(
        Group(*lines),
        box=_RULES,
        title=Text(" PRM first admin (development) ", style="bold"),
        title_align="left",
        border_style="yellow",
        expand=False,
    )
