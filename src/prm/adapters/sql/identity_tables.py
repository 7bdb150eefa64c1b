"""Identity tables: tenants, users, the tenants' own roles, refresh tokens and API keys; the
login-failure counts and the access-token revocation feed.

Emails are unique per tenant case-insensitively (``email_key`` is the lower-cased email).
Secrets are never stored: refresh tokens and API keys by SHA-256 digest, passwords as argon2id.
These tables are read before the caller's tenant is known (login by email, refresh by token,
API key by digest; the throttle and the revocation feed by every process, for every tenant), so
they carry no row-level security; the adapters scope every other query.
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("slug", sa.String(64), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("phone_region", sa.String(2), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("slug"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("roles", JsonDocument, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("last_login_at", UtcDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("token_generation", sa.Integer, nullable=False, server_default="1"),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    sa.UniqueConstraint("tenant_id", "email_key"),
    sa.Index("ix_users_email_key", "email_key"),
)

roles = sa.Table(
    "roles",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(63), nullable=False),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("permissions", JsonDocument, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    sa.UniqueConstraint("tenant_id", "name"),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("family_id", sa.Uuid, nullable=False),
    sa.Column("tenant_id", sa.Uuid, nullable=False),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime),
    sa.Column("revoked_at", UtcDateTime),
    sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"], ondelete="CASCADE"),
    sa.UniqueConstraint("token_hash"),
    sa.Index("ix_refresh_tokens_family_id", "family_id"),
    sa.Index("ix_refresh_tokens_tenant_id_user_id", "tenant_id", "user_id"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(32), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("permissions", JsonDocument, nullable=False),
    sa.Column("created_by", sa.String(64)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_used_at", UtcDateTime),
    sa.Column("revoked_at", UtcDateTime),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    sa.UniqueConstraint("key_hash"),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("failed_at", UtcDateTime, nullable=False),
    sa.Index("ix_login_failures_key_hash_failed_at", "key_hash", "failed_at"),
    sa.Index("ix_login_failures_failed_at", "failed_at"),
)
"""One row per failed login and throttle key (``account:…``, ``ip:…``), by SHA-256 of the key:
no email or address is stored. Rows older than the window are pruned."""

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite numbers only INTEGER PRIMARY KEYs

token_revocations = sa.Table(
    "token_revocations",
    metadata,
    sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.Uuid, nullable=False),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("session_id", sa.Uuid),
    sa.Column("generation", sa.Integer),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_token_revocations_created_at", "created_at"),
)
"""The feed of access-token revocations that every server process polls (``seq > :last``): a
user's tokens below ``generation``, or the tokens of ``session_id``. Ids only; rows older than
the access-token lifetime are pruned."""
