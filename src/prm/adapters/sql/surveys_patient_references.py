"""The surveys context's patient references for merges: invitations and responses move to the
survivor (their unique keys are token, dedup key and invitation, none a patient id)."""

from prm.adapters.sql.patient_references import TablePatientReferences
from prm.adapters.sql.surveys_tables import survey_invitations, survey_responses


class SqlSurveysPatientReferences(TablePatientReferences):
    context = "surveys"
    tables = (
        survey_invitations,
        survey_responses,
    )
