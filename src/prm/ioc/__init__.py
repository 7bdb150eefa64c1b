"""The composition root: the only place that knows both ports and adapters."""

from dishka import AsyncContainer, Provider, make_async_container
from dishka.entities.validation_settings import STRICT_VALIDATION

from prm.ioc.appointments import AppointmentsProvider
from prm.ioc.audit import AuditProvider
from prm.ioc.caregivers import CaregiversProvider
from prm.ioc.communications_campaigns import CommunicationsCampaignsProvider
from prm.ioc.communications_consent import CommunicationsConsentProvider
from prm.ioc.communications_inbox import CommunicationsInboxProvider
from prm.ioc.communications_messages import CommunicationsMessagesProvider
from prm.ioc.communications_providers import CommunicationsProvidersProvider
from prm.ioc.communications_reminders import CommunicationsRemindersProvider
from prm.ioc.communications_templates import CommunicationsTemplatesProvider
from prm.ioc.communications_virtual_visits import CommunicationsVirtualVisitsProvider
from prm.ioc.fhir import FhirProvider
from prm.ioc.fhir_export import FhirExportProvider
from prm.ioc.fhir_write import FhirWriteProvider
from prm.ioc.hl7 import Hl7Provider
from prm.ioc.identity import IdentityProvider
from prm.ioc.infrastructure import InfrastructureProvider
from prm.ioc.integrations import IntegrationsProvider
from prm.ioc.journeys import JourneysProvider
from prm.ioc.organizations import OrganizationsProvider
from prm.ioc.patients import PatientsProvider
from prm.ioc.patients_360 import Patients360Provider
from prm.ioc.patients_duplicates import PatientsDuplicatesProvider
from prm.ioc.patients_export import PatientsExportProvider
from prm.ioc.patients_merge import PatientsMergeProvider
from prm.ioc.practitioners import PractitionersProvider
from prm.ioc.search import SearchProvider
from prm.ioc.surveys import SurveysProvider
from prm.ioc.sync import SyncProvider
from prm.ioc.tags import TagsProvider
from prm.ioc.tickets import TicketsProvider
from prm.ioc.webhooks import WebhooksProvider
from prm.settings import Settings


def core_providers() -> list[Provider]:
    return [
        InfrastructureProvider(),
        PatientsProvider(),
        PatientsExportProvider(),
        PatientsMergeProvider(),
        PatientsDuplicatesProvider(),
        Patients360Provider(),
        CaregiversProvider(),
        TagsProvider(),
        SearchProvider(),
        Hl7Provider(),
        FhirProvider(),
        FhirWriteProvider(),
        FhirExportProvider(),
        SyncProvider(),
        PractitionersProvider(),
        OrganizationsProvider(),
        TicketsProvider(),
        IdentityProvider(),
        AuditProvider(),
        AppointmentsProvider(),
        WebhooksProvider(),
        IntegrationsProvider(),
        CommunicationsTemplatesProvider(),
        CommunicationsProvidersProvider(),
        CommunicationsConsentProvider(),
        CommunicationsMessagesProvider(),
        CommunicationsVirtualVisitsProvider(),
        CommunicationsRemindersProvider(),
        CommunicationsInboxProvider(),
        CommunicationsCampaignsProvider(),
        JourneysProvider(),
        SurveysProvider(),
    ]


def make_container(settings: Settings, *providers: Provider) -> AsyncContainer:
    """The application container. ``RequestContext`` is not provided here: every entrypoint adds a
    provider for it (HTTP from the request, the CLI and library from their arguments)."""
    return make_async_container(
        *core_providers(), *providers, context={Settings: settings}, validation_settings=STRICT_VALIDATION
    )
