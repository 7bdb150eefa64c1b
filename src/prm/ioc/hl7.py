"""Wiring of the hl7 context (issue 14): the python-hl7 codec, the SQL message store, its views
of the patients and integrations contexts, the use cases and the ``hl7.apply`` job handler."""

from dishka import Provider, Scope, alias, provide, provide_all

from prm.adapters.hl7.codec import PythonHl7Codec
from prm.adapters.hl7.patients import AdmissionEventsFromIntegrations, PatientRegistryFromPatients
from prm.adapters.sql.hl7 import SqlHl7Messages
from prm.application.hl7.apply_message import ApplyHl7Message, ApplyHl7MessageJob
from prm.application.hl7.get_message import GetHl7Message, GetHl7ParseStatus
from prm.application.hl7.list_messages import ListHl7Messages
from prm.application.hl7.ports import AdmissionEvents, Hl7Codec, Hl7MessageFinder, Hl7MessageRepository, PatientRegistry
from prm.application.hl7.receive_message import ReceiveHl7Message


class Hl7Provider(Provider):
    scope = Scope.REQUEST
    codec = provide(PythonHl7Codec, provides=Hl7Codec, scope=Scope.APP)
    messages = provide(SqlHl7Messages)
    repository = alias(source=SqlHl7Messages, provides=Hl7MessageRepository)
    finder = alias(source=SqlHl7Messages, provides=Hl7MessageFinder)
    patients = provide(PatientRegistryFromPatients, provides=PatientRegistry)
    events = provide(AdmissionEventsFromIntegrations, provides=AdmissionEvents)
    use_cases = provide_all(
        ReceiveHl7Message, ApplyHl7Message, ApplyHl7MessageJob, GetHl7Message, GetHl7ParseStatus, ListHl7Messages
    )
