"""Alembic environment: online migrations with a synchronous engine on the configured URL."""

from alembic import context
from sqlalchemy import create_engine, pool

from prm.adapters.sql.schema import metadata

config = context.config


def run_migrations_online() -> None:
    engine = create_engine(
        config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool, hide_parameters=True
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
