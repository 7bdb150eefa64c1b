"""Migrations are the only way the schema changes: they must build exactly what the code expects,
on both databases, and go down and up again."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from prm.adapters.sql import migrate
from prm.adapters.sql.schema import metadata


def _ignore_search_indexes(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave out trigram and full-text indexes and columns (database-specific search structures of
    the migrations) and procrastinate's own tables (migration 0006 creates them from
    procrastinate's schema, which the job engine owns; no table module of ours declares them)."""
    if type_ == "table" and name is not None and name.startswith("procrastinate_"):
        return False
    if type_ == "index" and obj.table.name.startswith("procrastinate_"):
        return False
    if type_ == "table" and name is not None and name.startswith("communication_messages_fts"):
        return False  # SQLite FTS5 (and its shadow tables), made by migration 0012 only
    if type_ == "column" and name == "search_vector":
        return False  # PostgreSQL generated tsvector of communication_messages, made by migration 0012 only
    return not (type_ == "index" and name is not None and name.endswith(("_trgm", "_fts")))


def test_the_migrated_schema_matches_the_tables_the_code_uses(database_url: str) -> None:
    engine = create_engine(migrate.sync_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _ignore_search_indexes}
        )
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_the_database_is_at_head(database_url: str) -> None:
    assert migrate.current_revision(database_url) == migrate.head_revision()


def test_down_to_base_and_up_again(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'stairs.sqlite3'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    assert migrate.current_revision(url) is None
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision()


def test_upgrade_creates_the_folder_of_a_new_sqlite_file(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'nested' / 'prm.sqlite3'}"
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision()
