"""Communications context wiring: the inbox part (threads, inbound messages, keywords and
reminder replies).

``JOBS``, ``EVENTS`` and ``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and
:mod:`prm.ioc.events` (the inbox has none: inbound messages arrive by HTTP). Needs
``OutgoingMessages``, ``PatientContacts`` and ``ApplyStatusCallback`` (messages part),
``ConsentRecorder`` (consent part) and ``AppointmentReplies``
and ``AppointmentFacts`` (reminders part), ``ProviderCredentialsLookup`` (providers part) and
the identity context's ``TenantRepository`` (the clinic's name).
"""

from collections.abc import Mapping

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.communications.inbox_clinic import ClinicNameFromTenant
from prm.adapters.communications.inbox_credentials import TenantInboundCredentials
from prm.adapters.sql.communications_inbox import SqlInboxMessages, SqlThreadRepository
from prm.application.communications.inbox_ports import ClinicName, InboundCredentials, InboxMessages, ThreadRepository
from prm.application.communications.inbox_receive import ReceiveInboundMessage
from prm.application.communications.inbox_thread_get import GetThread
from prm.application.communications.inbox_thread_link import LinkThread
from prm.application.communications.inbox_thread_read import MarkThreadRead
from prm.application.communications.inbox_thread_reply import ReplyToThread
from prm.application.communications.inbox_thread_update import UpdateThread
from prm.application.communications.inbox_threads_list import ListThreads
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.ioc.periodic import Periodic

JOBS: Mapping[str, type[JobHandler]] = {}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {}
PERIODIC: tuple[Periodic, ...] = ()


class CommunicationsInboxProvider(Provider):
    scope = Scope.REQUEST

    threads = provide(SqlThreadRepository, provides=ThreadRepository)
    messages = provide(SqlInboxMessages, provides=InboxMessages)
    use_cases = provide_all(
        ReceiveInboundMessage, ListThreads, GetThread, ReplyToThread, UpdateThread, MarkThreadRead, LinkThread
    )

    clinic = provide(ClinicNameFromTenant, provides=ClinicName)
    credentials = provide(TenantInboundCredentials, provides=InboundCredentials)
