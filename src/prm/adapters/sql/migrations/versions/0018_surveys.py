"""Surveys (issue 12): templates, invitations, responses, and the token index.

``survey_tokens`` has no row-level security: the public answer page finds its tenant there
(token hashes and ids only). The other three are tenant-owned, under row-level security.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from prm.adapters.sql.migrations.rls import disable_tenant_rls, enable_tenant_rls
from prm.adapters.sql.types import JsonDocument, UtcDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("survey_templates", "survey_invitations", "survey_responses")


def upgrade() -> None:
    op.create_table(
        "survey_templates",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("questions", JsonDocument, nullable=False),
        sa.Column("score_question", sa.String(40), nullable=False),
        sa.Column("low_score_threshold", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_survey_templates"),
        sa.UniqueConstraint("tenant_id", "name", "language", name="uq_survey_templates_tenant_id_name_language"),
    )
    op.create_table(
        "survey_invitations",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("template_id", sa.Uuid, nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("template_name", sa.String(100), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("questions", JsonDocument, nullable=False),
        sa.Column("score_question", sa.String(40), nullable=False),
        sa.Column("low_score_threshold", sa.Integer, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("journey_instance_id", sa.Uuid),
        sa.Column("stage_id", sa.Uuid),
        sa.Column("practitioner_id", sa.Uuid),
        sa.Column("organization_id", sa.Uuid),
        sa.Column("message_id", sa.Uuid),
        sa.Column("dedup_key", sa.String(200)),
        sa.Column("answered_at", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_survey_invitations"),
        sa.UniqueConstraint("tenant_id", "token_hash", name="uq_survey_invitations_tenant_id_token_hash"),
        sa.UniqueConstraint("tenant_id", "dedup_key", name="uq_survey_invitations_tenant_id_dedup_key"),
    )
    op.create_index(
        "ix_survey_invitations_tenant_id_template_id_created_at",
        "survey_invitations",
        ["tenant_id", "template_id", "created_at"],
    )
    op.create_table(
        "survey_responses",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("invitation_id", sa.Uuid, nullable=False),
        sa.Column("template_id", sa.Uuid, nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("answers", JsonDocument, nullable=False),
        sa.Column("score", sa.Integer),
        sa.Column("score_kind", sa.String(16)),
        sa.Column("below_threshold", sa.Boolean, nullable=False),
        sa.Column("journey_instance_id", sa.Uuid),
        sa.Column("stage_id", sa.Uuid),
        sa.Column("practitioner_id", sa.Uuid),
        sa.Column("organization_id", sa.Uuid),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_survey_responses"),
        sa.UniqueConstraint("tenant_id", "invitation_id", name="uq_survey_responses_tenant_id_invitation_id"),
    )
    op.create_index(
        "ix_survey_responses_tenant_id_template_id_created_at",
        "survey_responses",
        ["tenant_id", "template_id", "created_at"],
    )
    op.create_table(
        "survey_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("invitation_id", sa.Uuid, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_survey_tokens"),
    )
    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_table("survey_tokens")
    op.drop_table("survey_responses")
    op.drop_table("survey_invitations")
    op.drop_table("survey_templates")
