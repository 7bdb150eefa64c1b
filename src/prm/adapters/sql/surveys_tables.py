"""Tables of the surveys context (migration 0018).

- ``survey_templates``: a tenant's surveys (questions as JSON), one row per name and language;
- ``survey_invitations``: one per patient invited, with its copy of the questions it was sent
  with and the SHA-256 of its link's token;
- ``survey_responses``: one per answered invitation, with its score;
- ``survey_tokens``: token hash to tenant, the public page's index before a tenant is known (no
  row-level security: it holds hashes and ids, nothing about a patient).
"""

import sqlalchemy as sa

from prm.adapters.sql.metadata import metadata
from prm.adapters.sql.types import JsonDocument, UtcDateTime

survey_templates = sa.Table(
    "survey_templates",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.UniqueConstraint("tenant_id", "name", "language", name="uq_survey_templates_tenant_id_name_language"),
)

survey_invitations = sa.Table(
    "survey_invitations",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.UniqueConstraint("tenant_id", "token_hash", name="uq_survey_invitations_tenant_id_token_hash"),
    sa.UniqueConstraint("tenant_id", "dedup_key", name="uq_survey_invitations_tenant_id_dedup_key"),
    sa.Index("ix_survey_invitations_tenant_id_template_id_created_at", "tenant_id", "template_id", "created_at"),
    sa.Index("ix_survey_invitations_tenant_id_patient_id", "tenant_id", "patient_id"),  # merges (0021)
)

survey_responses = sa.Table(
    "survey_responses",
    metadata,
    sa.Column("tenant_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
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
    sa.UniqueConstraint("tenant_id", "invitation_id", name="uq_survey_responses_tenant_id_invitation_id"),
    sa.Index("ix_survey_responses_tenant_id_template_id_created_at", "tenant_id", "template_id", "created_at"),
    sa.Index("ix_survey_responses_tenant_id_patient_id", "tenant_id", "patient_id"),  # merges (0021)
)

survey_tokens = sa.Table(
    "survey_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.Uuid, nullable=False),
    sa.Column("invitation_id", sa.Uuid, nullable=False),
)
