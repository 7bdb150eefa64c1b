"""The bootstrap and audit commands as an operator types them: ``prm tenants``, ``prm users
create-admin``, ``prm import synthea --tenant``, ``prm audit export``, and ``prm serve``'s first run."""

import asyncio
import csv
import io
import json
import logging
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import structlog
from litestar.testing import AsyncTestClient

from prm.adapters.sql import migrate
from prm.application.identity.ports import TenantRepository
from prm.entrypoints.admin_cli import DEV_ADMIN_EMAIL, DEV_TENANT_SLUG, first_run_hint
from prm.entrypoints.cli import main
from prm.entrypoints.http.app import create_app
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import LOGIN

SAMPLE = Path(__file__).parents[2] / "samples" / "synthea"
PASSWORD = "a long enough passphrase"


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """The commands configure logging onto this test's captured stderr: put it back afterwards."""
    config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.configure(**config)
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def prm_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``PRM_*`` variables for the commands; returns the database URL."""
    monkeypatch.setenv("PRM_DATABASE_URL", database_url)
    monkeypatch.setenv("PRM_DEFAULT_TENANT_ID", str(uuid4()))
    monkeypatch.setenv("PRM_LOG_LEVEL", "warning")
    monkeypatch.setenv("PRM_ADMIN_PASSWORD", PASSWORD)
    return database_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def new_tenant(capsys: pytest.CaptureFixture[str], **options: str) -> tuple[str, UUID]:
    slug = f"clinic-{secrets.token_hex(4)}"
    extra = [item for pair in options.items() for item in (f"--{pair[0].replace('_', '-')}", pair[1])]
    code, out, err = run(capsys, "tenants", "create", "--name", "St Mary Clinic", "--slug", slug, *extra)
    assert code == 0, err
    return slug, UUID(out.split("id ", 1)[1].split()[0])


def test_tenants_are_created_listed_and_checked(prm_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    slug, tenant_id = new_tenant(capsys, time_zone="Europe/London", phone_region="gb")
    code, out, _ = run(capsys, "tenants", "list")
    assert code == 0
    assert f"{slug}\t{tenant_id}\tSt Mary Clinic\tEurope/London\tGB\tactive" in out.splitlines()

    for argv, message in [
        (["--slug", slug], "exists already"),
        (["--slug", "Not A Slug"], "slug"),
        (["--slug", f"x-{secrets.token_hex(4)}", "--time-zone", "Mars/Olympus"], "unknown time zone"),
        (["--slug", f"x-{secrets.token_hex(4)}", "--phone-region", "ZZ"], "region"),
    ]:
        code, _, err = run(capsys, "tenants", "create", "--name", "Other", *argv)
        assert (code, message in err) == (2, True), err
    code, _, err = run(capsys, "tenants", "create", "--name", "No slug")
    assert code == 2
    assert "--slug" in err


def test_create_admin_by_slug_or_id_and_refuses_bad_input(
    prm_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, tenant_id = new_tenant(capsys)
    code, out, err = run(capsys, "users", "create-admin", "--tenant", slug, "--email", "Boss@Example.org",
                         "--full-name", "The Boss")  # fmt: skip
    assert code == 0, err
    assert "admin Boss@example.org created" in out
    assert "user.created" not in out  # log lines go to stderr
    code, _, err = run(capsys, "users", "create-admin", "--tenant", str(tenant_id), "--email", "deputy@example.org",
                       "--full-name", "Deputy")  # fmt: skip
    assert code == 0, err

    def refused(tenant: str, email: str, password: str = PASSWORD) -> str:
        monkeypatch.setenv("PRM_ADMIN_PASSWORD", password)
        code, _, err = run(capsys, "users", "create-admin", "--tenant", tenant, "--email", email, "--full-name", "X")
        assert code == 2, err
        return err

    assert "no tenant 'no-such-clinic'" in refused("no-such-clinic", "a@example.org")
    assert f"no tenant '{(unknown := uuid4())}'" in refused(str(unknown), "a@example.org")
    assert "at least 12 characters" in refused(slug, "a@example.org", "short")
    assert "too common" in refused(slug, "a@example.org", "password1234")
    assert "must not be the email" in refused(slug, "longer.address@example.org", "Longer.Address@example.org")
    assert "with this email already" in refused(slug, "BOSS@example.ORG")
    assert "email" in refused(slug, "not-an-email")


async def _tenant_slugs(settings: Settings) -> list[str]:
    async with Prm.open(settings) as prm, prm.unit() as unit:
        return [t.slug for t in await (await unit.get(TenantRepository)).list()]


def test_the_sample_imports_into_a_tenant_named_by_slug_or_id(
    prm_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(SAMPLE / "providers.csv", tmp_path)
    slug, tenant_id = new_tenant(capsys)
    for tenant in (slug, str(tenant_id)):
        code, out, err = run(capsys, "import", "synthea", str(tmp_path), "--tenant", tenant, "--no-progress")
        assert code == 0, err
        assert f"tenant {tenant_id}" in out
    code, _, err = run(capsys, "import", "synthea", str(tmp_path), "--tenant", "no-such-clinic", "--no-progress")
    assert (code, "no tenant 'no-such-clinic'" in err) == (2, True)
    code, _, err = run(capsys, "import", "synthea", str(tmp_path), "--tenant", str(uuid4()), "--no-progress")
    assert (code, "no tenant" in err) == (2, True)


def _export(capsys: pytest.CaptureFixture[str], tenant: str, *options: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "audit", "export", "--tenant", tenant, *options)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_audit_export_streams_the_tenants_events_as_jsonl_and_csv_and_is_itself_audited(
    prm_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slug, tenant_id = new_tenant(capsys)
    other, _ = new_tenant(capsys)
    assert (
        run(capsys, "users", "create-admin", "--tenant", slug, "--email", "a@example.org", "--full-name", "A")[0] == 0
    )
    assert (
        run(capsys, "users", "create-admin", "--tenant", other, "--email", "b@example.org", "--full-name", "B")[0] == 0
    )

    events = _export(capsys, slug)
    assert [(e["action"], e["entity_type"], e["actor_type"]) for e in events] == [("create", "user", "system")]
    assert list(events[0]) == ["id", "occurred_at", "actor_type", "actor_id", "action", "entity_type", "entity_id",
                               "changed_fields", "request_id", "client_ip"]  # fmt: skip
    assert "a@example.org" not in json.dumps(events)
    assert "b@example.org" not in json.dumps(events)
    again = _export(capsys, slug)
    assert [(e["action"], e["entity_type"]) for e in again] == [("create", "user"), ("export", "audit_event")]

    output = tmp_path / "audit.csv"
    code, out, err = run(capsys, "audit", "export", "--tenant", str(tenant_id), "--format", "csv", "--output",
                         str(output))  # fmt: skip
    assert (code, out, "3 audit events exported" in err) == (0, "", True)
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert [r["action"] for r in rows] == ["create", "export", "export"]
    assert rows[0]["id"] == events[0]["id"]
    assert rows[0]["changed_fields"] == ""


def test_audit_export_reads_rfc3339_times_and_dates(prm_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    slug, _ = new_tenant(capsys)
    assert (
        run(capsys, "users", "create-admin", "--tenant", slug, "--email", "a@example.org", "--full-name", "A")[0] == 0
    )
    create = _export(capsys, slug)[0]
    at = datetime.fromisoformat(create["occurred_at"])

    def ids(*options: str) -> list[str]:
        return [e["id"] for e in _export(capsys, slug, *options) if e["action"] == "create"]

    assert ids("--since", at.isoformat().replace("+00:00", "Z")) == [create["id"]]  # inclusive
    assert ids("--until", at.isoformat().replace("+00:00", "Z")) == []  # exclusive
    assert ids("--since", at.astimezone(timezone(timedelta(hours=2))).isoformat()) == [create["id"]]
    assert ids("--since", (at + timedelta(seconds=1)).replace(tzinfo=None).isoformat()) == []  # no offset: UTC
    assert ids("--since", "2000-01-01", "--until", (at + timedelta(days=1)).date().isoformat()) == [create["id"]]
    assert ids("--until", "2000-01-01") == []

    for bad in ("yesterday", "2026-13-01", "01/02/2026"):
        with pytest.raises(SystemExit) as exit_:
            main(["audit", "export", "--tenant", slug, "--since", bad])
        assert exit_.value.code == 2
        assert f"argument --since: {bad!r} is not a date or time" in capsys.readouterr().err
    code, out, err = run(capsys, "audit", "export", "--tenant", slug, "--since", "2026-02-01", "--until", "2026-01-01")
    assert (code, out, "until must be after since" in err) == (2, "", True)
    code, _, err = run(capsys, "audit", "export", "--tenant", "no-such-clinic")
    assert (code, "no tenant 'no-such-clinic'" in err) == (2, True)


def _fresh_settings(tmp_path: Path, env: str) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate.upgrade(url)
    return Settings(database_url=url, env=env, default_tenant_id=uuid4(), log_level="warning")  # type: ignore[arg-type]


def test_the_first_run_in_development_creates_a_dev_admin_and_prints_its_password_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _fresh_settings(tmp_path, "development")
    asyncio.run(first_run_hint(settings))
    err = capsys.readouterr().err
    password = err.split("(shown once", 1)[1].split("): ", 1)[1].split()[0]
    assert len(password) >= 12
    assert DEV_ADMIN_EMAIL in err
    assert asyncio.run(_tenant_slugs(settings)) == [DEV_TENANT_SLUG]

    asyncio.run(first_run_hint(settings))  # the second start says and creates nothing
    assert capsys.readouterr().err == ""
    assert asyncio.run(_tenant_slugs(settings)) == [DEV_TENANT_SLUG]

    monkeypatch.setenv("PRM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PRM_DEFAULT_TENANT_ID", str(settings.default_tenant_id))
    code, out, _ = run(capsys, "tenants", "list")
    assert (code, out.split("\t")[:2]) == (0, [DEV_TENANT_SLUG, str(settings.default_tenant_id)])


async def test_the_dev_admin_logs_in_with_the_printed_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _fresh_settings(tmp_path, "development")
    await first_run_hint(settings)
    password = capsys.readouterr().err.split("(shown once", 1)[1].split("): ", 1)[1].split()[0]
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.post(LOGIN, json={"email": DEV_ADMIN_EMAIL, "password": password})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["roles"] == ["admin"]


def test_the_first_run_elsewhere_only_says_how_to_bootstrap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _fresh_settings(tmp_path, "test")
    asyncio.run(first_run_hint(settings))
    err = capsys.readouterr().err
    assert "prm tenants create" in err
    assert "prm users create-admin" in err
    assert "password" not in err
    assert asyncio.run(_tenant_slugs(settings)) == []


def test_the_first_run_on_an_unmigrated_database_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}", env="development")
    asyncio.run(first_run_hint(settings))
    assert "prm db upgrade" in capsys.readouterr().err
