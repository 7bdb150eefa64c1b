"""The integrations context's patient references for merges: integration events matched to the
source patient (``patient_id``) now name the survivor. ``patient_identifier`` (what the feed
sent) stays as received."""

from prm.adapters.sql.integrations_tables import integration_events
from prm.adapters.sql.patient_references import TablePatientReferences


class SqlIntegrationsPatientReferences(TablePatientReferences):
    context = "integrations"
    tables = (integration_events,)
