"""Patients context wiring: SQL adapters behind the ports, and the use cases."""

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.sql.patients import SqlPatientFinder, SqlPatientRepository
from prm.adapters.sql.patients_audience import SqlPatientAudience
from prm.application.patients.activate_patient import ActivatePatient
from prm.application.patients.deactivate_patient import DeactivatePatient
from prm.application.patients.find_patients import FindPatients
from prm.application.patients.get_patient import GetPatient
from prm.application.patients.get_patient_by_mrn import GetPatientByMrn
from prm.application.patients.import_patients import ImportPatients
from prm.application.patients.list_patients import ListPatients
from prm.application.patients.patient_demographics import GetPatientDemographics
from prm.application.patients.ports import PatientFinder, PatientRepository
from prm.application.patients.register_patient import RegisterPatient
from prm.application.patients.resolve_patient_identifiers import ResolvePatientIdentifiers
from prm.application.patients.search_patients import SearchPatients
from prm.application.patients.select_audience import PatientAudience, SelectPatientAudience
from prm.application.patients.update_patient import UpdatePatient


class PatientsProvider(Provider):
    scope = Scope.REQUEST
    repository = provide(SqlPatientRepository, provides=PatientRepository)
    finder = provide(SqlPatientFinder, provides=PatientFinder)
    audience = provide(SqlPatientAudience, provides=PatientAudience)
    select_audience = provide(SelectPatientAudience)
    use_cases = provide_all(
        RegisterPatient,
        GetPatient,
        GetPatientByMrn,
        UpdatePatient,
        DeactivatePatient,
        ActivatePatient,
        ListPatients,
        SearchPatients,
        FindPatients,
        GetPatientDemographics,
        ImportPatients,
        ResolvePatientIdentifiers,
    )
