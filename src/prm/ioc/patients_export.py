"""The patient export's wiring: each context's section of the record, in the order the export
shows them, and the JSON/CSV/PDF renderer."""

from collections.abc import Sequence

from dishka import Provider, Scope, provide

from prm.adapters.export.documents import PatientRecordDocuments
from prm.adapters.export.sources import AppointmentsSection, CommunicationsSection, JourneysSection, TicketsSection
from prm.application.appointments.ports import AppointmentFinder
from prm.application.communications.messages_ports import MessageQueries
from prm.application.journeys.ports import JourneyInstanceFinder
from prm.application.patients.export_patient import ExportPatient
from prm.application.patients.export_ports import PatientRecordRenderer, PatientRecordSource
from prm.application.tickets.ports import TicketFinder


class PatientsExportProvider(Provider):
    scope = Scope.REQUEST

    renderer = provide(PatientRecordDocuments, provides=PatientRecordRenderer, scope=Scope.APP)
    export_patient = provide(ExportPatient)

    @provide
    def sources(
        self,
        appointments: AppointmentFinder,
        journeys: JourneyInstanceFinder,
        messages: MessageQueries,
        tickets: TicketFinder,
    ) -> Sequence[PatientRecordSource]:
        return (
            AppointmentsSection(appointments),
            JourneysSection(journeys),
            CommunicationsSection(messages),
            TicketsSection(tickets),
        )
