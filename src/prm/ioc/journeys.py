"""Journeys context wiring: SQL adapters behind the ports, the adapters to the patients,
organisations and communications contexts (surveys and tickets: stand-ins until wired), the use
cases, the jobs and the handlers of PRM's events and of inbound integration events.

``JOBS``, ``EVENTS`` and ``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and :mod:`prm.ioc.events`;
``INTEGRATION_SUBSCRIBERS`` into :mod:`prm.ioc.integrations`.
"""

from collections.abc import Mapping

from dishka import Provider, Scope, alias, provide, provide_all

from prm.adapters.journeys.directory import JourneyOrganizationsFromOrganizations, JourneyPatientsFromPatients
from prm.adapters.journeys.integration_events import AdvanceJourneysOnIntegrationEvent
from prm.adapters.journeys.messages import JourneyMessagesFromCommunications
from prm.adapters.journeys.surveys import JourneySurveysFromSurveys
from prm.adapters.journeys.tickets import JourneyTicketsFromTickets
from prm.adapters.sql.journeys import SqlJourneyRepository
from prm.adapters.sql.journeys_instances import SqlJourneyInstances
from prm.application.journeys.actions import CompleteDelayStage, RunStageAction
from prm.application.journeys.apply_events import PRM_EVENT_TYPES, AdvanceJourneysOnPrmEvent, ApplyJourneyTrigger
from prm.application.journeys.fhir_episodes import SearchJourneyInstanceViews
from prm.application.journeys.instances_manage import (
    AdvanceJourneyInstance,
    CancelJourneyInstance,
    GetJourneyInstance,
    JourneyInstanceStatistics,
    ListJourneyInstances,
    StartJourney,
)
from prm.application.journeys.journeys_manage import (
    AddStage,
    CreateJourney,
    GetJourney,
    ListJourneys,
    UpdateJourney,
    UpdateStage,
)
from prm.application.journeys.ports import (
    COMPLETE_DELAY_TASK,
    RUN_ACTION_TASK,
    JourneyFinder,
    JourneyInstanceFinder,
    JourneyInstanceRepository,
    JourneyMessages,
    JourneyOrganizations,
    JourneyPatients,
    JourneyRepository,
    JourneySurveys,
    JourneyTickets,
)
from prm.application.journeys.recorder import InstanceRecorder
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.ioc.periodic import Periodic

JOBS: Mapping[str, type[JobHandler]] = {RUN_ACTION_TASK: RunStageAction, COMPLETE_DELAY_TASK: CompleteDelayStage}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = dict.fromkeys(PRM_EVENT_TYPES, (AdvanceJourneysOnPrmEvent,))
PERIODIC: tuple[Periodic, ...] = ()
INTEGRATION_SUBSCRIBERS = {"*": (AdvanceJourneysOnIntegrationEvent,)}


class JourneysProvider(Provider):
    scope = Scope.REQUEST

    journeys = provide(SqlJourneyRepository)
    journey_repository = alias(source=SqlJourneyRepository, provides=JourneyRepository)
    journey_finder = alias(source=SqlJourneyRepository, provides=JourneyFinder)
    instances = provide(SqlJourneyInstances)
    instance_repository = alias(source=SqlJourneyInstances, provides=JourneyInstanceRepository)
    instance_finder = alias(source=SqlJourneyInstances, provides=JourneyInstanceFinder)
    patients = provide(JourneyPatientsFromPatients, provides=JourneyPatients)
    organizations = provide(JourneyOrganizationsFromOrganizations, provides=JourneyOrganizations)
    messages = provide(JourneyMessagesFromCommunications, provides=JourneyMessages)
    surveys = provide(JourneySurveysFromSurveys, provides=JourneySurveys)
    tickets = provide(JourneyTicketsFromTickets, provides=JourneyTickets)
    use_cases = provide_all(
        InstanceRecorder,
        CreateJourney,
        GetJourney,
        ListJourneys,
        UpdateJourney,
        AddStage,
        UpdateStage,
        StartJourney,
        GetJourneyInstance,
        ListJourneyInstances,
        JourneyInstanceStatistics,
        AdvanceJourneyInstance,
        CancelJourneyInstance,
        ApplyJourneyTrigger,
        AdvanceJourneysOnPrmEvent,
        AdvanceJourneysOnIntegrationEvent,
        RunStageAction,
        CompleteDelayStage,
    )
    fhir_use_cases = provide_all(SearchJourneyInstanceViews)
