"""Wiring of the patient 360 view, the patient statistics, conversations and the timeline: the
patients context's ports onto the other contexts, and each context's timeline source in the
order the timeline merges them."""

from collections.abc import Sequence

from dishka import Provider, Scope, provide

from prm.adapters.patients.activity import (
    PatientAppointmentsFromAppointments,
    PatientCommunicationsFromCommunications,
    PatientJourneysFromJourneys,
    PatientRelationsFromCaregiversAndTags,
    PatientTicketsFromTickets,
)
from prm.adapters.sql.appointments_timeline import SqlAppointmentsTimeline
from prm.adapters.sql.communications_timeline import SqlCommunicationsTimeline
from prm.adapters.sql.connection import SqlConnection
from prm.adapters.sql.journeys_timeline import SqlJourneysTimeline
from prm.adapters.sql.patients_timeline import SqlMergesTimeline
from prm.adapters.sql.surveys_timeline import SqlSurveysTimeline
from prm.adapters.sql.tickets_timeline import SqlTicketsTimeline
from prm.application.patients.get_patient_timeline import GetPatientTimeline
from prm.application.patients.list_patient_conversations import ListPatientConversations
from prm.application.patients.patient_360 import GetPatient360
from prm.application.patients.patient_360_ports import (
    PatientAppointments,
    PatientCommunications,
    PatientJourneys,
    PatientRelations,
    PatientTickets,
)
from prm.application.patients.patient_statistics import GetPatientStatistics
from prm.application.patients.timeline_ports import TimelineSource
from prm.domain.shared.ids import TenantId


class Patients360Provider(Provider):
    scope = Scope.REQUEST

    appointments = provide(PatientAppointmentsFromAppointments, provides=PatientAppointments)
    journeys = provide(PatientJourneysFromJourneys, provides=PatientJourneys)
    tickets = provide(PatientTicketsFromTickets, provides=PatientTickets)
    communications = provide(PatientCommunicationsFromCommunications, provides=PatientCommunications)
    relations = provide(PatientRelationsFromCaregiversAndTags, provides=PatientRelations)
    statistics = provide(GetPatientStatistics)
    view = provide(GetPatient360)
    conversations = provide(ListPatientConversations)
    timeline = provide(GetPatientTimeline)

    @provide
    def timeline_sources(self, connection: SqlConnection, tenant_id: TenantId) -> Sequence[TimelineSource]:
        return (
            SqlAppointmentsTimeline(connection, tenant_id),
            SqlJourneysTimeline(connection, tenant_id),
            SqlCommunicationsTimeline(connection, tenant_id),
            SqlTicketsTimeline(connection, tenant_id),
            SqlSurveysTimeline(connection, tenant_id),
            SqlMergesTimeline(connection, tenant_id),
        )
