"""The tickets context's patient references for merges: tickets move to the survivor (comments
and activity hang on the ticket, not on the patient)."""

from prm.adapters.sql.patient_references import TablePatientReferences
from prm.adapters.sql.tickets_tables import tickets


class SqlTicketsPatientReferences(TablePatientReferences):
    context = "tickets"
    tables = (tickets,)
