"""The appointments context's patient references for merges: appointments, slot holds and
waitlist entries move to the survivor (no unique key holds a patient id, so nothing collides)."""

from prm.adapters.sql.appointments_tables import appointments, slot_holds, waitlist_entries
from prm.adapters.sql.patient_references import TablePatientReferences


class SqlAppointmentsPatientReferences(TablePatientReferences):
    context = "appointments"
    tables = (
        appointments,
        slot_holds,
        waitlist_entries,
    )
