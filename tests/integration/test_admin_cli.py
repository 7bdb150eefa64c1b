"""The bootstrap and audit commands as an operator types them: ``prm tenants``, ``prm users
create-admin|reset-password``, ``prm import synthea --tenant``, ``prm audit export``, ``prm serve``'s
first run (the password box, its file, its curl pasted into a shell), and one line, exit 2, for a
database that is not migrated or a password that cannot be asked for."""

import asyncio
import csv
import getpass
import io
import json
import os
import re
import secrets
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from prm.adapters.sql import migrate
from prm.application.identity.ports import TenantRepository
from prm.entrypoints.cli.admin import DEV_ADMIN_EMAIL, DEV_TENANT_SLUG, FIRST_ADMIN_FILE, first_run_hint
from prm.entrypoints.cli.main import main
from prm.entrypoints.http.app import create_app
from prm.entrypoints.library import Prm
from prm.settings import Settings
from tests.auth import LOGIN, PerTestLoginThrottle
from tests.integration.fresh_databases import BACKENDS, fresh_database
from tests.served import served

SAMPLE = Path(__file__).parents[2] / "samples" / "synthea"
PASSWORD = "a long enough passphrase"
NEW_PASSWORD = "a fine new passphrase"
NO_TERMINAL = "no terminal to ask the password on: set PRM_ADMIN_PASSWORD (or run it in a terminal)\n"


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
                               "entity_ids", "changed_fields", "request_id", "client_ip"]  # fmt: skip
    assert events[0]["entity_ids"] == [events[0]["entity_id"]]
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


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database with no tenant yet, of this test's own."""
    with fresh_database(request.param, tmp_path) as url:
        migrate.upgrade(url)
        yield url


def _fresh_settings(url: str, tmp_path: Path, env: str, **options: Any) -> Settings:
    return Settings(
        database_url=url,
        env=env,  # type: ignore[arg-type]
        default_tenant_id=uuid4(),
        log_level="warning",
        state_dir=str(tmp_path / "state"),
        **options,
    )


def _boxed_password(err: str) -> str:
    """The password as the first-run box shows it (its own line: ``password  <it>``)."""
    found = re.search(r"^ +password +(\S+) *$", err, re.MULTILINE)
    assert found, err
    return found.group(1)


def _curl(err: str) -> str:
    """The login command of the first-run box, as a user selects it (from ``curl`` to its end)."""
    found = re.search(r"^ *curl .*?--no-ensure-ascii *$", err, re.MULTILINE | re.DOTALL)
    assert found, err
    return found.group(0)


def test_the_first_run_in_development_boxes_the_password_and_keeps_it_in_a_file(
    empty_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _fresh_settings(empty_database, tmp_path, "development", port=8123)
    with capture_logs() as logs:
        asyncio.run(first_run_hint(settings))
    err = capsys.readouterr().err
    password = _boxed_password(err)
    assert len(password) == 20
    assert password.isalnum()
    kept = tmp_path / "state" / FIRST_ADMIN_FILE
    for text in (
        "PRM first admin (development)",
        f"email     {DEV_ADMIN_EMAIL}",
        f"tenant    {DEV_TENANT_SLUG}",
        f"It is also in {kept}, readable only by you.",
        f"prm users reset-password --tenant {DEV_TENANT_SLUG} --email {DEV_ADMIN_EMAIL}",
        "POST /api/v1/prm/auth/change-password",
    ):
        assert text in err
    assert "\x1b[" not in err  # stderr is not a terminal: no colour codes
    assert "━━━━" in err
    curl = shlex.split(_curl(err))
    payload = json.loads(curl[curl.index("-d") + 1])
    assert payload == {"email": DEV_ADMIN_EMAIL, "tenant": DEV_TENANT_SLUG, "password": password}
    assert curl[curl.index("-d") + 2 :] == [f"http://127.0.0.1:8123{LOGIN}", "|", "python3", "-m", "json.tool",
                                             "--no-ensure-ascii"]  # fmt: skip
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert f"password: {password}\n" in kept.read_text(encoding="utf-8")
    assert sorted(p.name for p in kept.parent.iterdir()) == [FIRST_ADMIN_FILE]  # no temporary file left
    assert password not in repr(logs)
    assert asyncio.run(_tenant_slugs(settings)) == [DEV_TENANT_SLUG]

    asyncio.run(first_run_hint(settings))  # the second start says and creates nothing
    assert capsys.readouterr().err == ""
    assert asyncio.run(_tenant_slugs(settings)) == [DEV_TENANT_SLUG]

    monkeypatch.setenv("PRM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PRM_DEFAULT_TENANT_ID", str(settings.default_tenant_id))
    code, out, _ = run(capsys, "tenants", "list")
    assert (code, out.split("\t")[:2]) == (0, [DEV_TENANT_SLUG, str(settings.default_tenant_id)])


async def test_the_dev_admin_logs_in_with_the_boxed_password_and_the_file_is_replaced_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate.upgrade(url)
    settings = _fresh_settings(url, tmp_path, "development")
    kept = tmp_path / "state" / FIRST_ADMIN_FILE
    kept.parent.mkdir()
    kept.write_text("password: from an earlier database\n", encoding="utf-8")  # a database deleted since
    await first_run_hint(settings, host="0.0.0.0", port=9000)  # noqa: S104
    err = capsys.readouterr().err
    password = _boxed_password(err)
    assert "http://127.0.0.1:9000/api/v1/prm/auth/login" in err  # a wildcard address is reached on loopback
    assert "earlier" not in kept.read_text(encoding="utf-8")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.post(LOGIN, json={"email": DEV_ADMIN_EMAIL, "password": password, "tenant": "dev"})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["roles"] == ["admin"]


def test_the_first_run_box_says_when_the_password_could_not_be_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate.upgrade(url)
    (tmp_path / "state").write_text("a file where the folder should be", encoding="utf-8")
    asyncio.run(first_run_hint(_fresh_settings(url, tmp_path, "development")))
    err = capsys.readouterr().err
    assert len(_boxed_password(err)) == 20
    assert "It could not be kept in a file (" in err
    assert "copy it now" in err


def test_prm_serve_boxes_the_first_password_and_its_curl_logs_in_as_pasted(empty_database: str, tmp_path: Path) -> None:
    with served(empty_database, tmp_path / "serve.log", env="development", log_level="warning") as server:
        log = server.log_text()
        curl = _curl(log)
        assert f"{server.base_url}{LOGIN}" in curl
        done = subprocess.run(  # noqa: S603 - pasted into a shell, as a user would
            ["/bin/bash", "-c", curl],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["user"]["email"] == DEV_ADMIN_EMAIL
    assert "\x1b[" not in log
    kept = tmp_path / "state" / FIRST_ADMIN_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    password = _boxed_password(log)
    assert f"password: {password}\n" in kept.read_text(encoding="utf-8")
    assert log.count(password) == 2  # in the box and its curl: never in a log line


def test_the_first_run_elsewhere_only_says_how_to_bootstrap(
    empty_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _fresh_settings(empty_database, tmp_path, "test")
    asyncio.run(first_run_hint(settings))
    err = capsys.readouterr().err
    assert "prm tenants create" in err
    assert "prm users create-admin" in err
    assert "password" not in err
    assert not (tmp_path / "state").exists()
    assert asyncio.run(_tenant_slugs(settings)) == []


def test_the_first_run_on_an_unmigrated_database_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "var" / "empty.sqlite3"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", env="development", state_dir=str(tmp_path / "s"))
    asyncio.run(first_run_hint(settings))
    err = capsys.readouterr().err
    assert err.startswith(f"prm serve: the database at sqlite+aiosqlite:///{path} is not migrated")
    assert "prm db upgrade" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["tenants", "list"], ["users", "reset-password", "--tenant", "dev", "--email",
                                  "a@example.org"], ["audit", "export", "--tenant", "dev"]])  # fmt: skip
def test_commands_on_an_unmigrated_database_say_so_in_one_line(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'prm.sqlite3'}"
    monkeypatch.setenv("PRM_DATABASE_URL", url)
    monkeypatch.setenv("PRM_LOG_LEVEL", "warning")
    code, out, err = run(capsys, *argv)
    prog = " ".join(argv[:2])
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert err.startswith(f"prm {prog}: the database at {url} is not migrated: there is no file ")
    assert list(tmp_path.iterdir()) == []


async def _log_in(settings: Settings, email: str, password: str) -> tuple[int, dict[str, Any]]:
    async with AsyncTestClient(app=create_app(settings, PerTestLoginThrottle())) as client:
        response = await client.post(LOGIN, json={"email": email, "password": password})
    return response.status_code, response.json()


async def _refresh(settings: Settings, refresh: str) -> int:
    async with AsyncTestClient(app=create_app(settings, PerTestLoginThrottle())) as client:
        return (await client.post("/api/v1/prm/auth/refresh", json={"refresh": refresh})).status_code


def test_reset_password_gives_a_new_one_closes_the_sessions_and_is_audited(
    prm_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, tenant_id = new_tenant(capsys)
    email = f"boss-{secrets.token_hex(3)}@example.org"
    assert run(capsys, "users", "create-admin", "--tenant", slug, "--email", email, "--full-name", "Boss")[0] == 0
    settings = Settings.from_env()
    status, session = asyncio.run(_log_in(settings, email, PASSWORD))
    assert status == 200

    new_password = "another long passphrase"
    monkeypatch.setenv("PRM_ADMIN_PASSWORD", new_password)
    code, out, err = run(capsys, "users", "reset-password", "--tenant", str(tenant_id), "--email", email.upper())
    assert code == 0, err
    assert out == f"password of {email} in tenant {slug} reset: its sessions are closed, it logs in again\n"
    assert asyncio.run(_log_in(settings, email, PASSWORD))[0] == 401
    assert asyncio.run(_refresh(settings, session["refresh"])) == 401
    assert asyncio.run(_log_in(settings, email, new_password))[0] == 200

    events = _export(capsys, slug)
    assert [(e["action"], e["actor_type"], e["changed_fields"]) for e in events if e["action"] == "update"] == [
        ("update", "system", ["password_hash"])
    ]
    assert new_password not in json.dumps(events)


def test_reset_password_refuses_bad_input_in_one_line(
    prm_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, _ = new_tenant(capsys)
    assert (
        run(capsys, "users", "create-admin", "--tenant", slug, "--email", "a@example.org", "--full-name", "A")[0] == 0
    )

    def refused(tenant: str, email: str, password: str = NEW_PASSWORD) -> str:
        monkeypatch.setenv("PRM_ADMIN_PASSWORD", password)
        code, out, err = run(capsys, "users", "reset-password", "--tenant", tenant, "--email", email)
        assert (code, out, err.count("\n")) == (2, "", 1), err
        assert err.startswith("prm users reset-password: ")
        return err

    assert "no tenant 'no-such-clinic'" in refused("no-such-clinic", "a@example.org")
    assert f"no active user 'b@example.org' in tenant '{slug}'" in refused(slug, "b@example.org")
    assert "at least 12 characters" in refused(slug, "a@example.org", "short")
    assert "too common" in refused(slug, "a@example.org", "password1234")
    assert "must not be the email" in refused(slug, "a@example.org", "A@example.org")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", ["create-admin", "reset-password"])
def test_the_password_is_asked_twice_on_a_terminal_and_never_without_one(
    command: str, prm_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, _ = new_tenant(capsys)
    assert (
        run(capsys, "users", "create-admin", "--tenant", slug, "--email", "a@example.org", "--full-name", "A")[0] == 0
    )
    monkeypatch.delenv("PRM_ADMIN_PASSWORD")
    who = (
        [f"{secrets.token_hex(3)}@example.org", "--full-name", "B"] if command == "create-admin" else ["a@example.org"]
    )
    argv = ["users", command, "--tenant", slug, "--email", *who]
    prog = f"prm users {command}"

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert run(capsys, *argv) == (2, "", f"{prog}: {NO_TERMINAL}")

    typed: list[str] = []

    def answer(prompt: str = "") -> str:
        if not typed:
            raise EOFError
        return typed.pop(0)

    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(getpass, "getpass", answer)
    typed[:] = ["a long enough passphrase", "a long enough passphrasE"]
    assert run(capsys, *argv) == (2, "", f"{prog}: the passwords differ\n")
    typed[:] = ["a long enough passphrase"]
    assert run(capsys, *argv) == (2, "", f"{prog}: no password given\n")
    typed[:] = ["a long enough passphrase"] * 2
    code, _, err = run(capsys, *argv)
    assert (code, err) == (0, "")


def test_create_admin_without_a_terminal_is_one_line_not_a_traceback(
    prm_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real thing: the command run with its stdin not a terminal and no PRM_ADMIN_PASSWORD."""
    slug, _ = new_tenant(capsys)
    env = {k: v for k, v in os.environ.items() if k != "PRM_ADMIN_PASSWORD"}
    done = subprocess.run(  # noqa: S603 - our own command line
        [str(Path(sys.executable).with_name("prm")), "users", "create-admin", "--tenant", slug, "--email",
         "a@example.org", "--full-name", "A"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"prm users create-admin: {NO_TERMINAL}")
