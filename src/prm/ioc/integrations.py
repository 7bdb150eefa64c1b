"""Integrations context wiring: SQL adapters behind the ports, the patients directory, the
subscribers' registry, the use cases and the job handlers.

``INTEGRATION_SUBSCRIBERS`` maps an event code (``"*"``: every code) to the subscriber classes
that take inbound events of that code (empty until a context subscribes: journeys will). Each
class must be provided REQUEST-scoped by its context's provider; it is resolved in the
processing unit of work when an event of its code comes.
"""

from collections.abc import Mapping

from dishka import AsyncContainer, Provider, Scope, alias, provide, provide_all

from prm.adapters.integrations.patients_directory import PatientDirectoryFromPatients
from prm.adapters.integrations.subscribers import RegisteredSubscribers, SubscriberClass
from prm.adapters.sql.integrations import SqlIntegrationEvents
from prm.adapters.sql.integrations_configs import SqlIngestionCounter, SqlIntegrationConfigs
from prm.application.integrations.create_config import CreateIntegrationConfig
from prm.application.integrations.delete_config import DeleteIntegrationConfig
from prm.application.integrations.get_config import GetIntegrationConfig
from prm.application.integrations.get_event import GetIntegrationEvent
from prm.application.integrations.list_configs import ListIntegrationConfigs
from prm.application.integrations.list_events import ListIntegrationEvents
from prm.application.integrations.ports import (
    IngestionCounter,
    IntegrationConfigRepository,
    IntegrationEventFinder,
    IntegrationEventRepository,
    IntegrationEventSubscribers,
    PatientDirectory,
)
from prm.application.integrations.process_events import ProcessIntegrationEvents
from prm.application.integrations.process_jobs import ProcessIntegrationEventBatchJob, ProcessIntegrationEventJob
from prm.application.integrations.receive_event import ReceiveIntegrationEvent
from prm.application.integrations.receive_events import ReceiveIntegrationEvents
from prm.application.integrations.reprocess_event import ReprocessIntegrationEvent
from prm.application.integrations.update_config import UpdateIntegrationConfig
from prm.ioc import journeys

INTEGRATION_SUBSCRIBERS: Mapping[str, tuple[SubscriberClass, ...]] = {**journeys.INTEGRATION_SUBSCRIBERS}


class SubscriberRegistry(dict[str, tuple[SubscriberClass, ...]]):
    """The subscriber classes by event code that the container uses (APP scope; tests override it)."""


class IntegrationsProvider(Provider):
    scope = Scope.REQUEST
    events = provide(SqlIntegrationEvents)
    event_repository = alias(source=SqlIntegrationEvents, provides=IntegrationEventRepository)
    event_finder = alias(source=SqlIntegrationEvents, provides=IntegrationEventFinder)
    configs = provide(SqlIntegrationConfigs, provides=IntegrationConfigRepository)
    counter = provide(SqlIngestionCounter, provides=IngestionCounter)
    patients = provide(PatientDirectoryFromPatients, provides=PatientDirectory)
    use_cases = provide_all(
        ReceiveIntegrationEvent,
        ReceiveIntegrationEvents,
        ListIntegrationEvents,
        GetIntegrationEvent,
        ReprocessIntegrationEvent,
        ProcessIntegrationEvents,
        ProcessIntegrationEventJob,
        ProcessIntegrationEventBatchJob,
        CreateIntegrationConfig,
        GetIntegrationConfig,
        ListIntegrationConfigs,
        UpdateIntegrationConfig,
        DeleteIntegrationConfig,
    )

    @provide(scope=Scope.APP)
    def registry(self) -> SubscriberRegistry:
        return SubscriberRegistry(INTEGRATION_SUBSCRIBERS)

    @provide
    def subscribers(self, registry: SubscriberRegistry, container: AsyncContainer) -> IntegrationEventSubscribers:
        """Subscribers built from the processing unit's own REQUEST scope, when first needed."""
        return RegisteredSubscribers(registry, container.get)
