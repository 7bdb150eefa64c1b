"""Wiring of the hl7 context (issue 14): the python-hl7 codec, the SQL message store and SIU
appointment links, the savepoint scope of applying, its views of the patients, appointments and
integrations contexts, the use cases and the ``hl7.apply`` job handler."""

from dishka import Provider, Scope, alias, provide, provide_all

from prm.adapters.hl7.appointments import AppointmentBookFromAppointments
from prm.adapters.hl7.codec import PythonHl7Codec
from prm.adapters.hl7.patients import AdmissionEventsFromIntegrations, PatientRegistryFromPatients
from prm.adapters.sql.hl7 import SqlApplyScope, SqlAppointmentLinks, SqlHl7Messages
from prm.application.hl7.apply_message import ApplyHl7Message, ApplyHl7MessageJob
from prm.application.hl7.get_message import GetHl7Message, GetHl7ParseStatus
from prm.application.hl7.list_messages import ListHl7Messages
from prm.application.hl7.ports import (
    AdmissionEvents,
    ApplyScope,
    AppointmentBook,
    AppointmentLinks,
    Hl7Codec,
    Hl7MessageFinder,
    Hl7MessageRepository,
    PatientRegistry,
)
from prm.application.hl7.receive_batch import ReceiveHl7Batch
from prm.application.hl7.receive_message import ReceiveHl7Message
from prm.application.hl7.receive_messages import ReceiveHl7Messages


class Hl7Provider(Provider):
    scope = Scope.REQUEST
    codec = provide(PythonHl7Codec, provides=Hl7Codec, scope=Scope.APP)
    messages = provide(SqlHl7Messages)
    repository = alias(source=SqlHl7Messages, provides=Hl7MessageRepository)
    finder = alias(source=SqlHl7Messages, provides=Hl7MessageFinder)
    links = provide(SqlAppointmentLinks, provides=AppointmentLinks)
    apply_scope = provide(SqlApplyScope, provides=ApplyScope)
    patients = provide(PatientRegistryFromPatients, provides=PatientRegistry)
    appointments = provide(AppointmentBookFromAppointments, provides=AppointmentBook)
    events = provide(AdmissionEventsFromIntegrations, provides=AdmissionEvents)
    use_cases = provide_all(
        ReceiveHl7Message,
        ReceiveHl7Batch,
        ReceiveHl7Messages,
        ApplyHl7Message,
        ApplyHl7MessageJob,
        GetHl7Message,
        GetHl7ParseStatus,
        ListHl7Messages,
    )
