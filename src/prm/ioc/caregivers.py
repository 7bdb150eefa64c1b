"""Caregivers context wiring (issue 13): the SQL repository and the patients context's view
behind the ports, and the use cases (including the read ports other contexts use:
``PatientCaregivers`` for the 360 view, ``CommunicationRecipients`` for messages) and the
communications context's ``CaregiverContacts`` over it (copies of a patient's messages)."""

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.caregivers.directories import PatientDirectoryFromPatients
from prm.adapters.communications.caregiver_contacts import CaregiverContactsFromCaregivers
from prm.adapters.sql.caregivers import SqlCaregiverRepository
from prm.application.caregivers.add_caregiver import AddCaregiver
from prm.application.caregivers.communication_recipients import CommunicationRecipients
from prm.application.caregivers.get_caregiver import GetCaregiver
from prm.application.caregivers.get_caregiver_by_id import GetCaregiverById
from prm.application.caregivers.list_caregivers import ListCaregivers
from prm.application.caregivers.patient_caregivers import PatientCaregivers
from prm.application.caregivers.ports import CaregiverRepository, PatientDirectory
from prm.application.caregivers.remove_caregiver import RemoveCaregiver
from prm.application.caregivers.search_caregivers import SearchCaregivers
from prm.application.caregivers.update_caregiver import UpdateCaregiver
from prm.application.communications.contracts import CaregiverContacts


class CaregiversProvider(Provider):
    scope = Scope.REQUEST

    repository = provide(SqlCaregiverRepository, provides=CaregiverRepository)
    patients = provide(PatientDirectoryFromPatients, provides=PatientDirectory)
    communications = provide(CaregiverContactsFromCaregivers, provides=CaregiverContacts)
    use_cases = provide_all(
        AddCaregiver,
        ListCaregivers,
        GetCaregiver,
        UpdateCaregiver,
        RemoveCaregiver,
        PatientCaregivers,
        CommunicationRecipients,
    )
    fhir_use_cases = provide_all(GetCaregiverById, SearchCaregivers)
