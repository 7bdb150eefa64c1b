"""The caregivers context's patient references for merges: the source's caregivers move to the
survivor (a parent of the one person is a parent of the merged record)."""

from prm.adapters.sql.caregivers_tables import caregivers
from prm.adapters.sql.patient_references import TablePatientReferences


class SqlCaregiversPatientReferences(TablePatientReferences):
    context = "caregivers"
    tables = (caregivers,)
