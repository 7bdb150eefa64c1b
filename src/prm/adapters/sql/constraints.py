"""One map from the database's constraints to the domain errors they mean.

PostgreSQL names the violated constraint (``diag.constraint_name``: ``uq_patients_tenant_id_mrn``,
from the naming convention of :mod:`prm.adapters.sql.metadata`); SQLite names its columns
(``UNIQUE constraint failed: patients.tenant_id, patients.mrn``). :func:`domain_error_for` reads
either, so an adapter (:func:`raise_domain_error`), or the unit of work for a write sent with
``COMMIT``, translates a violation the same way wherever it surfaces. Adapters match no constraint
name or message text of their own: a constraint that means a domain fact gets a line here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy.exc import IntegrityError

from prm.adapters.sql.appointments_tables import NO_OVERLAP
from prm.adapters.sql.organizations_tables import PART_OF_KEY
from prm.domain.appointments.errors import SlotUnavailable
from prm.domain.communications.messages import DuplicateDedupKey
from prm.domain.identity.errors import DuplicateEmail
from prm.domain.integrations.errors import DuplicateIntegrationEvent, DuplicateSourceSystem
from prm.domain.organizations.errors import DuplicateOrganizationCode, HierarchyChanged
from prm.domain.patients.errors import DuplicateMrn
from prm.domain.practitioners.errors import DuplicateExternalId, DuplicateLicense
from prm.domain.shared.errors import DomainError
from prm.domain.surveys.invitations import AlreadyAnswered
from prm.domain.surveys.model import DuplicateSurveyTemplate
from prm.domain.tags.errors import DuplicateTagName


@dataclass(frozen=True, slots=True)
class Meaning:
    name: str
    """The constraint's name on PostgreSQL."""
    columns: str | None
    """How SQLite's message names it: ``table.column, table.column`` (``None``: PostgreSQL only)."""
    error: Callable[[], DomainError]


CONSTRAINT_TO_ERROR: tuple[Meaning, ...] = (
    Meaning(
        "uq_patients_tenant_id_mrn",
        "patients.tenant_id, patients.mrn",
        lambda: DuplicateMrn("a patient with this MRN already exists"),
    ),
    Meaning(
        "uq_practitioners_tenant_id_license_number",
        "practitioners.tenant_id, practitioners.license_number",
        lambda: DuplicateLicense("a practitioner with this license number already exists"),
    ),
    Meaning(
        "uq_practitioners_tenant_id_external_id",
        "practitioners.tenant_id, practitioners.external_id",
        lambda: DuplicateExternalId("a practitioner with this external_id already exists"),
    ),
    Meaning(
        "uq_organizations_tenant_id_code_key",
        "organizations.tenant_id, organizations.code_key",
        lambda: DuplicateOrganizationCode("an organization with this code already exists"),
    ),
    Meaning(
        PART_OF_KEY,  # SQLite names no foreign key in its message: PostgreSQL only
        None,
        lambda: HierarchyChanged(
            "the organizations above or below this one changed at the same moment: reload them and try again"
        ),
    ),
    Meaning(
        "uq_users_tenant_id_email_key",
        "users.tenant_id, users.email_key",
        lambda: DuplicateEmail("the tenant has a user with this email already"),
    ),
    Meaning(
        NO_OVERLAP,  # an exclusion constraint: PostgreSQL only (SQLite books under its write lock)
        None,
        lambda: SlotUnavailable("the practitioner already has an appointment at that time"),
    ),
    Meaning(
        "uq_integration_configs_tenant_id_source_system",
        "integration_configs.tenant_id, integration_configs.source_system",
        lambda: DuplicateSourceSystem("the tenant has a configuration for this source system already"),
    ),
    Meaning(
        "uq_integration_events_tenant_id_source_system_external_id",
        "integration_events.tenant_id, integration_events.source_system, integration_events.external_id",
        lambda: DuplicateIntegrationEvent(
            "another request stored an event with this source_system and external_id at the same moment: "
            "send it again to get the stored one"
        ),
    ),
    Meaning(
        "uq_communication_messages_tenant_id_dedup_key",
        "communication_messages.tenant_id, communication_messages.dedup_key",
        lambda: DuplicateDedupKey("a message with this dedup_key already exists"),
    ),
    Meaning(
        "uq_survey_templates_tenant_id_name_language",
        "survey_templates.tenant_id, survey_templates.name, survey_templates.language",
        lambda: DuplicateSurveyTemplate("the tenant has a survey template of this name in this language"),
    ),
    Meaning(
        "uq_survey_responses_tenant_id_invitation_id",
        "survey_responses.tenant_id, survey_responses.invitation_id",
        lambda: AlreadyAnswered("this survey has already been answered"),
    ),
    Meaning(
        "uq_tags_tenant_id_name_key",
        "tags.tenant_id, tags.name_key",
        lambda: DuplicateTagName("the tenant has a tag of this name already"),
    ),
)


def domain_error_for(exc: IntegrityError) -> DomainError | None:
    """The domain error ``exc`` means, or ``None`` for a violation that is no caller's input."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    text = str(exc.orig)
    for meaning in CONSTRAINT_TO_ERROR:
        if name == meaning.name or meaning.name in text or (meaning.columns is not None and meaning.columns in text):
            return meaning.error()
    return None


def raise_domain_error(exc: IntegrityError) -> NoReturn:
    """Raise the domain error ``exc`` means (chained to it), or ``exc`` itself when it means none."""
    error = domain_error_for(exc)
    if error is None:
        raise exc
    raise error from exc
