"""Wiring of the FHIR R4 REST interface (issue 14): the patients' and practitioners' use cases it adds."""

from dishka import Provider, Scope, provide_all

from prm.application.patients.find_patient_records import FindPatientRecords
from prm.application.practitioners.find_practitioner_records import FindPractitionerRecords


class FhirProvider(Provider):
    scope = Scope.REQUEST
    use_cases = provide_all(FindPatientRecords, FindPractitionerRecords)
