"""Identity hardening: token generations, the revocation feed, the shared login throttle.

- ``users.token_generation``: carried by access tokens (claim ``gen``); raised when a user is
  deactivated or its roles or password change, which refuses its earlier tokens.
- ``token_revocations``: the feed of early revocations (a user's generation, a logged-out
  session) that every server process polls (``seq > :last``); rows live as long as an access
  token.
- ``login_failures``: failed logins by SHA-256 of the throttle key (never the email or address),
  counted in a sliding minute by every process.

Neither new table is under row-level security. Both are read across tenants by design: the
throttle before any tenant is known (a login), and the revocation feed by each process's
poller, which is bound to no tenant (under RLS it would see no row, and verification would miss
every revocation). They hold ids, digests and times only: no PHI, nothing a tenant could read of
another beyond the fact that some revocation happened.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.types import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite numbers only INTEGER PRIMARY KEYs


def upgrade() -> None:
    op.add_column("users", sa.Column("token_generation", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "token_revocations",
        sa.Column("seq", SEQ, nullable=False, autoincrement=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("session_id", sa.Uuid),
        sa.Column("generation", sa.Integer),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_token_revocations"),
    )
    op.create_index("ix_token_revocations_created_at", "token_revocations", ["created_at"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("failed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_key_hash_failed_at", "login_failures", ["key_hash", "failed_at"])
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("token_revocations")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_generation")
