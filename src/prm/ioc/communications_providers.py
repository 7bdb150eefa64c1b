"""Communications context wiring: the providers part.

APP scope: the local sink (one record per process), the pooled httpx client of the provider APIs
(closed with the container) and the webhook routes' credentials look-up. REQUEST scope: the
tenant's configuration repository, the :class:`ProviderDirectory` and the configuration use cases.

``JOBS`` (task name to job handler class), ``EVENTS`` (event type to handler classes) and
``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`.
"""

from collections.abc import AsyncIterator, Mapping

from dishka import Provider, Scope, provide, provide_all

from prm.adapters.communications.providers.directory import ConfiguredProviderDirectory, ProviderHttpClient
from prm.adapters.communications.providers.local_sink import LocalSink
from prm.adapters.sql.communications_providers import SqlProviderConfigRepository, SqlProviderCredentialsLookup
from prm.application.communications.contracts import ProviderDirectory
from prm.application.communications.providers_configure_provider import ConfigureProvider
from prm.application.communications.providers_get_provider import GetProvider, ListProviders
from prm.application.communications.providers_ports import ProviderConfigRepository, ProviderCredentialsLookup
from prm.application.communications.providers_remove_provider import RemoveProvider
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.ioc.periodic import Periodic

JOBS: Mapping[str, type[JobHandler]] = {}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {}
PERIODIC: tuple[Periodic, ...] = ()


class CommunicationsProvidersProvider(Provider):
    scope = Scope.REQUEST
    configs = provide(SqlProviderConfigRepository, provides=ProviderConfigRepository)
    directory = provide(ConfiguredProviderDirectory, provides=ProviderDirectory)
    credentials = provide(SqlProviderCredentialsLookup, provides=ProviderCredentialsLookup, scope=Scope.APP)
    use_cases = provide_all(ConfigureProvider, GetProvider, ListProviders, RemoveProvider)

    @provide(scope=Scope.APP)
    def sink(self) -> LocalSink:
        """The process's one local sink (what the development default provider was given)."""
        return LocalSink()

    @provide(scope=Scope.APP)
    async def http_client(self) -> AsyncIterator[ProviderHttpClient]:
        """One pooled client per process for Twilio and the WhatsApp Cloud API."""
        client = ProviderHttpClient()
        yield client
        await client.close()
