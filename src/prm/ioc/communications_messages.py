"""Communications context wiring: the messages part (SQL repository and queries, the
``OutgoingMessages`` and ``PatientContacts`` ports of the context, the use cases, the
``communications.dispatch`` job and the ``communications.recover`` periodic task).

``JOBS`` (task name to job handler class), ``EVENTS`` (event type to handler classes) and
``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`.

``ProviderDirectory`` and ``SendPolicy`` come from the providers and consent parts; while one of
them provides none, :func:`fallbacks` wires a stand-in (:mod:`prm.adapters.communications.messages_fallbacks`).
"""

from collections.abc import Mapping
from datetime import timedelta

from dishka import Provider, Scope, alias, provide, provide_all

from prm.adapters.communications.messages_fallbacks import AllowEverything, SinkProviderDirectory
from prm.adapters.communications.messages_jitter import FullJitter
from prm.adapters.communications.patient_contacts import PatientContactsFromPatients
from prm.adapters.sql.communications_messages import SqlMessageRepository
from prm.adapters.sql.communications_messages_queries import SqlMessageQueries, SqlMessageRecordQueries
from prm.application.communications.contracts import OutgoingMessages, PatientContacts, ProviderDirectory, SendPolicy
from prm.application.communications.fhir_communications import FindCommunicationRecords
from prm.application.communications.messages_callbacks import ApplyStatusCallback
from prm.application.communications.messages_dispatch import DispatchMessages, RecoverMessages
from prm.application.communications.messages_ports import (
    DISPATCH_TASK,
    RECOVER_TASK,
    DispatchSettings,
    Jitter,
    MessageQueries,
    MessageRecordQueries,
    MessageRepository,
)
from prm.application.communications.messages_queue import CreateCommunication, QueueMessage
from prm.application.communications.messages_read import (
    GetCommunication,
    GetCommunicationStatistics,
    ListCommunications,
    SearchCommunications,
)
from prm.application.communications.messages_update import (
    DeleteCommunication,
    MarkCommunicationRead,
    UpdateCommunication,
)
from prm.application.patients.contact_points import FindPatientsByContact, GetPatientContactPoints
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.ioc import communications_consent, communications_providers
from prm.ioc.periodic import Periodic
from prm.settings import Settings

JOBS: Mapping[str, type[JobHandler]] = {DISPATCH_TASK: DispatchMessages, RECOVER_TASK: RecoverMessages}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {}
PERIODIC: tuple[Periodic, ...] = (Periodic(RECOVER_TASK, 30),)


def dispatch_settings_of(settings: Settings) -> DispatchSettings:
    """``PRM_DISPATCH_BATCH_SIZE``, ``PRM_DISPATCH_CONCURRENCY``, ``PRM_DISPATCH_LEASE_SECONDS``
    (defaults: 200, 8, 120 s)."""
    return DispatchSettings(
        batch_size=settings.dispatch_batch_size,
        concurrency=settings.dispatch_concurrency,
        lease=timedelta(seconds=settings.dispatch_lease_seconds),
    )


class CommunicationsMessagesProvider(Provider):
    """The messages part, plus the stand-ins of :mod:`~prm.adapters.communications.messages_fallbacks`
    for ports no other part provides yet."""

    scope = Scope.REQUEST

    def __init__(self) -> None:
        super().__init__()
        if not _provides(communications_providers.CommunicationsProvidersProvider(), ProviderDirectory):
            self.provide(SinkProviderDirectory, provides=ProviderDirectory, scope=Scope.APP)  # until providers land
        if not _provides(communications_consent.CommunicationsConsentProvider(), SendPolicy):
            self.provide(AllowEverything, provides=SendPolicy, scope=Scope.APP)  # until the consent part lands

    repository = provide(SqlMessageRepository, provides=MessageRepository)
    queries = provide(SqlMessageQueries, provides=MessageQueries)
    record_queries = provide(SqlMessageRecordQueries, provides=MessageRecordQueries)
    fhir_use_cases = provide_all(FindCommunicationRecords)
    contact_points = provide_all(GetPatientContactPoints, FindPatientsByContact)
    contacts = provide(PatientContactsFromPatients, provides=PatientContacts)
    jitter = provide(FullJitter, provides=Jitter, scope=Scope.APP)
    queue = provide(QueueMessage)
    outgoing = alias(source=QueueMessage, provides=OutgoingMessages)
    use_cases = provide_all(
        CreateCommunication,
        ListCommunications,
        SearchCommunications,
        GetCommunication,
        GetCommunicationStatistics,
        UpdateCommunication,
        MarkCommunicationRead,
        DeleteCommunication,
        ApplyStatusCallback,
        DispatchMessages,
        RecoverMessages,
    )

    @provide(scope=Scope.APP)
    def dispatch_settings(self, settings: Settings) -> DispatchSettings:
        return dispatch_settings_of(settings)


def _provides(provider: Provider, dependency: type) -> bool:
    factories = [f.provides.type_hint for f in provider.factories]
    aliases = [a.provides.type_hint for a in provider.aliases]
    return dependency in (*factories, *aliases)
