"""``prm db upgrade|downgrade|current`` as an operator types them: each says what it did (the
revisions before and after, the database with its password hidden), bad revisions are one line
and exit 2, and looking at a SQLite path that names no file leaves it so."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from prm.adapters.sql import migrate
from prm.entrypoints.cli.main import main
from prm.entrypoints.library import DatabaseNotMigrated, Prm
from prm.settings import Settings
from tests.integration.fresh_databases import BACKENDS, fresh_database

SECRET = "s3cret-word"


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database (PostgreSQL: with a password in its URL), named by ``PRM_DATABASE_URL``."""
    with fresh_database(request.param, tmp_path, password=SECRET) as url:
        monkeypatch.setenv("PRM_DATABASE_URL", url)
        monkeypatch.setenv("PRM_LOG_LEVEL", "warning")
        monkeypatch.setenv("PRM_ENV", "test")
        yield url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    return code, captured.out, captured.err


def _previous(revision: str) -> str:
    down = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision(revision).down_revision
    assert isinstance(down, str)
    return down


def test_display_url_hides_the_password() -> None:
    assert (
        migrate.display_url(f"postgresql+psycopg://prm:{SECRET}@db:5432/prm")
        == "postgresql+psycopg://prm:***@db:5432/prm"
    )
    assert migrate.display_url("sqlite+aiosqlite:///var/prm.sqlite3") == "sqlite+aiosqlite:///var/prm.sqlite3"


async def _open(url: str) -> None:
    async with Prm.open(Settings(database_url=url, env="test")):
        pass


def test_upgrade_and_downgrade_say_from_which_revision_to_which(
    fresh_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    head = migrate.head_revision()
    assert head is not None
    previous, shown = _previous(head), migrate.display_url(fresh_url)
    assert shown.startswith("sqlite") or ":***@" in shown

    assert run(capsys, "db", "current") == (0, "(not migrated)\n", "")
    assert run(capsys, "db", "upgrade") == (0, f"database upgraded from base to {head} ({shown})\n", "")
    assert run(capsys, "db", "upgrade") == (0, f"database already at {head} ({shown})\n", "")
    assert run(capsys, "db", "downgrade", previous) == (
        0,
        f"database downgraded from {head} to {previous} ({shown})\n",
        "",
    )
    assert run(capsys, "db", "current") == (0, f"{previous}\n", "")

    with pytest.raises(DatabaseNotMigrated) as behind:
        asyncio.run(_open(fresh_url))
    assert (
        str(behind.value)
        == f"the database at {shown} is at revision {previous}, this PRM needs {head} (run `prm db upgrade`)"
    )
    assert run(capsys, "tenants", "list") == (2, "", f"prm tenants list: {behind.value}\n")

    assert run(capsys, "db", "upgrade") == (0, f"database upgraded from {previous} to {head} ({shown})\n", "")
    assert run(capsys, "db", "downgrade", "base") == (0, f"database downgraded from {head} to base ({shown})\n", "")
    assert run(capsys, "db", "current") == (0, "(not migrated)\n", "")


def test_bad_revisions_are_refused_in_one_line(fresh_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    head = migrate.head_revision()
    for argv, message in [
        (["downgrade", "9999"], "prm db downgrade: Can't locate revision identified by '9999'\n"),
        (["upgrade", "9999"], "prm db upgrade: Can't locate revision identified by '9999'\n"),
        (["downgrade"], "prm db downgrade: give the revision to go down to (e.g. base)\n"),
    ]:
        assert run(capsys, "db", *argv) == (2, "", message)
    code, out, err = run(capsys, "db", "downgrade", f"{head}")
    assert (code, out, err) == (0, f"database already at {head} ({migrate.display_url(fresh_url)})\n", "")
    code, out, err = run(capsys, "db", "downgrade", _previous(str(head)))
    assert code == 0
    code, out, err = run(capsys, "db", "downgrade", str(head))  # above where it is: not a downgrade
    assert (code, out, err.count("\n"), err.startswith("prm db downgrade: ")) == (2, "", 1, True)


def test_looking_at_a_missing_sqlite_file_creates_nothing_and_upgrade_creates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "not" / "yet"
    url = f"sqlite+aiosqlite:///{folder / 'prm.sqlite3'}"
    monkeypatch.setenv("PRM_DATABASE_URL", url)
    monkeypatch.setenv("PRM_LOG_LEVEL", "warning")
    assert run(capsys, "db", "current") == (0, "(not migrated)\n", "")
    code, out, err = run(capsys, "db", "downgrade", "base")
    assert (code, out) == (2, "")
    assert err == (
        f"prm db downgrade: the database at {url} is not migrated: there is no file {folder / 'prm.sqlite3'} "
        "(run `prm db upgrade` to create it, or set PRM_DATABASE_URL)\n"
    )
    assert not (tmp_path / "not").exists()
    assert run(capsys, "db", "upgrade")[:2] == (
        0,
        f"database upgraded from base to {migrate.head_revision()} ({url})\n",
    )
    assert (folder / "prm.sqlite3").is_file()
