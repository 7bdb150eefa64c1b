"""Settings from ``PRM_*`` environment variables, decoded and validated with msgspec at start.

| variable | default | meaning |
|---|---|---|
| ``PRM_DATABASE_URL`` | ``sqlite+aiosqlite:///var/prm.sqlite3`` | ``postgresql+psycopg://…`` selects PostgreSQL |
| ``PRM_HOST`` / ``PRM_PORT`` | ``127.0.0.1`` / ``8000`` | where ``prm serve`` listens |
| ``PRM_ENV`` | ``development`` | ``production`` switches logs to JSON lines |
| ``PRM_LOG_LEVEL`` | ``info`` | ``debug``, ``info``, ``warning``, ``error`` |
| ``PRM_LOG_FORMAT`` | ``auto`` | ``json``, ``console`` or ``auto`` (JSON in production) |
| ``PRM_DEFAULT_TENANT_ID`` | ``00000000-…-000000000001`` | tenant of anonymous callers until identity lands |
| ``PRM_DEFAULT_PHONE_REGION`` | ``US`` | ISO 3166-1 alpha-2 region for phones typed without ``+`` |
| ``PRM_DB_POOL_SIZE`` | ``10`` | PostgreSQL connections kept open per process |
| ``PRM_ACCESS_LOG`` | ``true`` | one log line per HTTP request (method, route, status, ms) |
"""

import os
from collections.abc import Mapping
from typing import Annotated, Literal
from uuid import UUID

import msgspec
import phonenumbers

PREFIX = "PRM_"
DEFAULT_TENANT_ID = UUID("00000000-0000-0000-0000-000000000001")


class SettingsError(Exception):
    """A ``PRM_*`` variable has a bad value; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    database_url: str = "sqlite+aiosqlite:///var/prm.sqlite3"
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 8000
    env: Literal["development", "production", "test"] = "development"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    default_tenant_id: UUID = DEFAULT_TENANT_ID
    default_phone_region: str = "US"
    db_pool_size: Annotated[int, msgspec.Meta(ge=1, le=200)] = 10
    access_log: bool = True

    def __post_init__(self) -> None:
        if self.default_phone_region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise SettingsError(
                f"{PREFIX}DEFAULT_PHONE_REGION: unknown region {self.default_phone_region!r} "
                "(use an ISO 3166-1 alpha-2 code such as US or GB)"
            )
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+psycopg://")):
            raise SettingsError(
                f"{PREFIX}DATABASE_URL: use sqlite+aiosqlite:///path or postgresql+psycopg://user@host/db"
            )

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" or (self.log_format == "auto" and self.env == "production")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read ``PRM_*`` from ``environ`` (default ``os.environ``); unknown ``PRM_*`` names and bad
        values raise :class:`SettingsError` naming the variable."""
        environ = os.environ if environ is None else environ
        raw = {k[len(PREFIX) :].lower(): v for k, v in environ.items() if k.startswith(PREFIX)}
        raw.pop("test_database_url", None)  # read by the test suite, not the service
        return cls.from_mapping(raw)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> "Settings":
        try:
            return msgspec.convert(dict(raw), cls, strict=False)
        except msgspec.ValidationError as exc:
            message = str(exc)
            field = message.rsplit("$.", 1)[-1].strip("`") if "$." in message else None
            if field is None and "unknown field" in message:
                field = message.split("`")[1]
            name = f"{PREFIX}{field.upper()}" if field else "settings"
            raise SettingsError(f"{name}: {message.split(' - at ')[0]}") from exc
