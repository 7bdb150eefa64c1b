"""Settings from ``PRM_*`` environment variables, decoded and validated with msgspec at start.

| variable | default | meaning |
|---|---|---|
| ``PRM_DATABASE_URL`` | ``sqlite+aiosqlite:///var/prm.sqlite3`` | ``postgresql+psycopg://…`` selects PostgreSQL |
| ``PRM_HOST`` / ``PRM_PORT`` | ``127.0.0.1`` / ``8000`` | where ``prm serve`` listens |
| ``PRM_WORKERS`` | ``1`` | processes ``prm serve`` runs on that address (each with its own database pool) |
| ``PRM_ENV`` | ``development`` | ``production`` switches logs to JSON lines |
| ``PRM_LOG_LEVEL`` | ``info`` | ``debug``, ``info``, ``warning``, ``error`` |
| ``PRM_LOG_FORMAT`` | ``auto`` | ``json``, ``console`` or ``auto`` (JSON in production) |
| ``PRM_DEFAULT_TENANT_ID`` | ``00000000-…-000000000001`` | tenant of anonymous callers until identity lands |
| ``PRM_DEFAULT_PHONE_REGION`` | ``US`` | ISO 3166-1 alpha-2 region for phones typed without ``+`` |
| ``PRM_DB_POOL_SIZE`` | ``20`` | PostgreSQL connections kept open per process |
| ``PRM_ACCESS_LOG`` | ``true`` | one log line per HTTP request (method, route, status, ms) |
| ``PRM_JWT_KEYS`` | (random in dev) | ``kid:secret[,kid:secret…]``: the first signs access tokens, all verify |
| ``PRM_JWT_ISSUER`` / ``PRM_JWT_AUDIENCE`` | ``prm`` / ``prm-api`` | ``iss`` and ``aud`` of access tokens |
| ``PRM_ACCESS_TOKEN_MINUTES`` | ``15`` | access token lifetime |
| ``PRM_REFRESH_TOKEN_DAYS`` | ``14`` | refresh token lifetime |
| ``PRM_LOGIN_FAILURES_PER_MINUTE`` | ``10`` | failed logins allowed per client address and per account |
| ``PRM_REVOCATION_POLL_SECONDS`` | ``1`` | how often (at most) each process reads the token revocations of the others |
| ``PRM_STATE_DIR`` | ``var`` | the service's own files in development (signing key, first admin password) |
| ``PRM_MAX_BODY_BYTES`` | ``10485760`` | largest request body accepted (413 beyond) |
| ``PRM_CORS_ORIGINS`` | (none) | comma-separated origins allowed to call the API from a browser |
| ``PRM_WORKER`` | ``on`` | ``prm serve`` runs background work too; ``off`` when ``prm worker`` runs apart |
| ``PRM_WORKER_CONCURRENCY`` | ``4`` | jobs a worker process runs at once |
| ``PRM_NATS_URL`` | (none) | ``nats://host:4222``: the relay also publishes every event to NATS JetStream |
| ``PRM_WEBHOOK_ALLOW_PRIVATE`` | ``true`` (production: ``false``) | webhooks may go to private and loopback addresses |

``PRM_JWT_KEYS`` is required in production (secrets of at least 32 characters). In development,
when it is empty, one random key (``kid`` ``dev``) is made on first start and kept in
``<PRM_STATE_DIR>/jwt-development.key``, readable only by its owner
(:mod:`prm.adapters.security.development_key`); test runs use a random key per process.
"""

import os
from collections.abc import Mapping
from typing import Annotated, Literal
from uuid import UUID

import msgspec
import phonenumbers

PREFIX = "PRM_"
DEFAULT_TENANT_ID = UUID("00000000-0000-0000-0000-000000000001")


def _worker_default() -> Literal["on", "off"]:
    """``PRM_WORKER`` also when settings are built in code (the library, tests): ``off`` there keeps
    an app made with ``create_app(Settings(...))`` from starting background work unasked."""
    return "off" if os.environ.get(f"{PREFIX}WORKER", "on").strip().lower() == "off" else "on"


def _quiet_hours_default() -> str:
    """``PRM_QUIET_HOURS`` also when settings are built in code (the suite turns them off so that
    no test depends on the hour it runs at; the quiet-hours tests set them per tenant)."""
    return os.environ.get(f"{PREFIX}QUIET_HOURS", "21:00-08:00").strip()


class SettingsError(Exception):
    """A ``PRM_*`` variable has a bad value; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    database_url: str = "sqlite+aiosqlite:///var/prm.sqlite3"
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 8000
    workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    env: Literal["development", "production", "test"] = "development"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    default_tenant_id: UUID = DEFAULT_TENANT_ID
    default_phone_region: str = "US"
    db_pool_size: Annotated[int, msgspec.Meta(ge=1, le=200)] = 20
    access_log: bool = True
    jwt_keys: str = ""
    jwt_issuer: str = "prm"
    jwt_audience: str = "prm-api"
    access_token_minutes: Annotated[int, msgspec.Meta(ge=1, le=60)] = 15
    refresh_token_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 14
    login_failures_per_minute: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 10
    revocation_poll_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 1.0
    slot_hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=1440)] = 5
    waitlist_offer_minutes: Annotated[int, msgspec.Meta(ge=1, le=10080)] = 120
    state_dir: str = "var"
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1024, le=1 << 30)] = 10 * 1024 * 1024
    cors_origins: str = ""
    worker: Literal["on", "off"] = msgspec.field(default_factory=lambda: _worker_default())
    worker_concurrency: Annotated[int, msgspec.Meta(ge=1, le=100)] = 4
    nats_url: str = ""
    mllp_port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 0
    """``PRM_MLLP_PORT``: ``prm serve`` also listens for HL7 v2 over MLLP on this port (0: it does not)."""
    webhook_allow_private: bool | None = None  # None: true unless env is production
    quiet_hours: str = msgspec.field(default_factory=lambda: _quiet_hours_default())
    """Quiet hours of a tenant that set none, ``HH:MM-HH:MM`` local time (``00:00-00:00``: none)."""
    dispatch_batch_size: Annotated[int, msgspec.Meta(ge=1, le=5000)] = 200
    """Messages one dispatch claims at once (communications)."""
    dispatch_concurrency: Annotated[int, msgspec.Meta(ge=1, le=256)] = 8
    """Provider calls one dispatch makes at once (16 or 32 sent no faster than 8 to a loopback Twilio: measured)."""
    dispatch_lease_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 120.0
    """How long a message may stay ``sending`` before recovery looks it up at the provider."""
    public_base_url: str = ""
    """How patients and providers reach PRM (``https://prm.example.org``); empty: ``http://{host}:{port}``."""
    video_provider: Literal["local", "jitsi"] = "local"
    jitsi_domain: str = ""
    jitsi_app_id: str = ""
    jitsi_app_secret: str = ""
    """Jitsi Meet's token secret (32+ characters); never logged."""

    def __post_init__(self) -> None:
        if self.jwt_keys:
            self.signing_keys()
        if self.default_phone_region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise SettingsError(
                f"{PREFIX}DEFAULT_PHONE_REGION: unknown region {self.default_phone_region!r} "
                "(use an ISO 3166-1 alpha-2 code such as US or GB)"
            )
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+psycopg://")):
            raise SettingsError(
                f"{PREFIX}DATABASE_URL: use sqlite+aiosqlite:///path or postgresql+psycopg://user@host/db"
            )

    def signing_keys(self) -> dict[str, str]:
        """``{kid: secret}`` in order (the first signs). Random in development and test when unset
        (see the module docstring); raises :class:`SettingsError` in production when unset."""
        if not self.jwt_keys:
            if self.env == "production":
                raise SettingsError(f"{PREFIX}JWT_KEYS: required in production (kid:secret with 32+ characters)")
            from prm.adapters.security.development_key import DevelopmentKeyError, development_key, process_key

            if self.env == "test":
                return {"dev": process_key()}
            try:
                return {"dev": development_key(self.state_dir)}
            except (OSError, DevelopmentKeyError) as exc:
                raise SettingsError(f"{PREFIX}STATE_DIR: cannot keep the development signing key: {exc}") from exc
        keys: dict[str, str] = {}
        for item in self.jwt_keys.split(","):
            kid, sep, secret = item.strip().partition(":")
            if not sep or not kid or len(secret) < 32:
                raise SettingsError(f"{PREFIX}JWT_KEYS: give kid:secret pairs, each secret 32+ characters")
            keys[kid] = secret
        return keys

    @property
    def allowed_origins(self) -> list[str]:
        """``PRM_CORS_ORIGINS`` as a list (empty: no browser origin may call the API)."""
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

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
        raw.pop("admin_password", None)  # read by `prm users create-admin`, not the service
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
