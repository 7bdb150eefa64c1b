"""Cross-entity search wiring (issue 13): one source per searchable context, over that
context's read ports, in the order the answer groups them."""

from collections.abc import Sequence

from dishka import Provider, Scope, provide

from prm.adapters.search.sources import (
    AppointmentsSource,
    CommunicationsSource,
    PatientsSource,
    PractitionersSource,
    TicketsSource,
)
from prm.application.appointments.ports import AppointmentFinder, AppointmentRepository
from prm.application.communications.messages_ports import MessageQueries, MessageRepository
from prm.application.patients.ports import PatientFinder, PatientRepository
from prm.application.practitioners.ports import PractitionerFinder, PractitionerRepository
from prm.application.search.ports import SearchSource
from prm.application.search.search_everything import SearchEverything
from prm.application.shared.ports import Clock
from prm.application.tickets.ports import TicketFinder, TicketRepository


class SearchProvider(Provider):
    scope = Scope.REQUEST

    search_everything = provide(SearchEverything)

    @provide
    def sources(
        self,
        patient_finder: PatientFinder,
        patients: PatientRepository,
        practitioner_finder: PractitionerFinder,
        practitioners: PractitionerRepository,
        appointments: AppointmentRepository,
        appointment_finder: AppointmentFinder,
        tickets: TicketRepository,
        ticket_finder: TicketFinder,
        message_queries: MessageQueries,
        messages: MessageRepository,
        clock: Clock,
    ) -> Sequence[SearchSource]:
        return (
            PatientsSource(patient_finder, patients),
            PractitionersSource(practitioner_finder, practitioners),
            AppointmentsSource(appointments, appointment_finder, patient_finder, practitioner_finder, clock),
            TicketsSource(tickets, ticket_finder, patient_finder),
            CommunicationsSource(message_queries, messages),
        )
