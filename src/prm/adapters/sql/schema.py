"""The whole relational schema: every context's table module, on one ``MetaData``.

Contexts declare their tables in their own module (``patients_tables.py``, ``practitioners_tables.py``,
``outbox_tables.py``, ``audit_tables.py``, ...) on the shared ``metadata`` of
:mod:`prm.adapters.sql.metadata`; importing this module makes sure all of them are registered.
Alembic's environment and the schema drift test use it.
"""

from prm.adapters.sql import (
    appointments_tables,
    audit_tables,
    caregivers_tables,
    communications_campaigns_tables,
    communications_consent_tables,
    communications_inbox_tables,
    communications_messages_tables,
    communications_providers_tables,
    communications_templates_tables,
    communications_virtual_visits_tables,
    fhir_export_tables,
    hl7_tables,
    identity_tables,
    integrations_tables,
    jobs_tables,
    journeys_tables,
    organizations_tables,
    outbox_tables,
    patients_duplicates_tables,
    patients_merges_tables,
    patients_tables,
    practitioners_tables,
    surveys_tables,
    sync_tables,
    tags_tables,
    tickets_tables,
    webhooks_tables,
)
from prm.adapters.sql.metadata import metadata

__all__ = [
    "appointments_tables",
    "audit_tables",
    "caregivers_tables",
    "communications_campaigns_tables",
    "communications_consent_tables",
    "communications_inbox_tables",
    "communications_messages_tables",
    "communications_providers_tables",
    "communications_templates_tables",
    "communications_virtual_visits_tables",
    "fhir_export_tables",
    "hl7_tables",
    "identity_tables",
    "integrations_tables",
    "jobs_tables",
    "journeys_tables",
    "metadata",
    "organizations_tables",
    "outbox_tables",
    "patients_duplicates_tables",
    "patients_merges_tables",
    "patients_tables",
    "practitioners_tables",
    "surveys_tables",
    "sync_tables",
    "tags_tables",
    "tickets_tables",
    "webhooks_tables",
]
