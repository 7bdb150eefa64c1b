"""The journeys context's patient references for merges: journey instances move to the survivor
(their unique key is journey and enrolment key, which holds no patient id)."""

from prm.adapters.sql.journeys_tables import journey_instances
from prm.adapters.sql.patient_references import TablePatientReferences


class SqlJourneysPatientReferences(TablePatientReferences):
    context = "journeys"
    tables = (journey_instances,)
