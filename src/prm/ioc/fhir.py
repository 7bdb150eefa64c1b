"""Wiring of the FHIR R4 REST interface (issue 14): the search use cases it adds to the contexts'."""

from dishka import Provider, Scope, provide_all

from prm.application.appointments.find_locations import FindLocations
from prm.application.appointments.find_schedules import FindSchedules
from prm.application.appointments.get_schedule import GetSchedule
from prm.application.appointments.schedule_slots import FindScheduleSlots, GetFreeSlot
from prm.application.organizations.find_organization_records import FindOrganizationRecords
from prm.application.patients.find_patient_records import FindPatientRecords
from prm.application.practitioners.find_practitioner_records import FindPractitionerRecords
from prm.application.tickets.find_ticket_records import FindTicketRecords


class FhirProvider(Provider):
    scope = Scope.REQUEST
    use_cases = provide_all(
        FindPatientRecords,
        FindPractitionerRecords,
        FindOrganizationRecords,
        FindLocations,
        FindSchedules,
        GetSchedule,
        FindScheduleSlots,
        GetFreeSlot,
        FindTicketRecords,
    )
