"""Background tasks by name: ``JOB_HANDLERS`` maps a task name (``<context>.<what>``, stable once
deployed: it is stored with every waiting job) to the handler class that runs it.

The job engine resolves the class from a REQUEST scope bound to the job's tenant with the system
principal (every handler must be provided by its context's provider) and calls it with the job's
arguments. ``PERIODIC`` lists the tasks the worker runs on a clock, for every tenant.
"""

from collections.abc import Mapping

from prm.application.appointments.periodic_jobs import ExpireHoldsJob, ExpireOffersJob
from prm.application.hl7.apply_message import ApplyHl7MessageJob
from prm.application.identity.periodic_jobs import PurgeRefreshTokensJob
from prm.application.integrations.process_jobs import ProcessIntegrationEventBatchJob, ProcessIntegrationEventJob
from prm.application.shared.jobs import JobHandler
from prm.application.webhooks.deliver_webhook import DeliverWebhook
from prm.ioc import (
    communications_campaigns,
    communications_consent,
    communications_inbox,
    communications_messages,
    communications_providers,
    communications_reminders,
    communications_templates,
    communications_virtual_visits,
    fhir_export,
    fhir_write,
    journeys,
    sync,
    tickets,
)
from prm.ioc.periodic import Periodic

JOB_HANDLERS: Mapping[str, type[JobHandler]] = {
    "webhooks.deliver": DeliverWebhook,
    "integrations.process_event": ProcessIntegrationEventJob,
    "integrations.process_batch": ProcessIntegrationEventBatchJob,
    "appointments.expire_offers": ExpireOffersJob,
    "appointments.expire_holds": ExpireHoldsJob,
    "identity.purge_refresh_tokens": PurgeRefreshTokensJob,
    "hl7.apply": ApplyHl7MessageJob,
    **communications_templates.JOBS,
    **communications_providers.JOBS,
    **communications_consent.JOBS,
    **communications_messages.JOBS,
    **communications_virtual_visits.JOBS,
    **communications_reminders.JOBS,
    **communications_inbox.JOBS,
    **communications_campaigns.JOBS,
    **journeys.JOBS,
    **tickets.JOBS,
    **fhir_write.JOBS,
    **fhir_export.JOBS,
    **sync.JOBS,
}

PERIODIC: tuple[Periodic, ...] = (
    Periodic("appointments.expire_offers", 60),  # a lapsed offer passes its slot on within a minute
    Periodic("appointments.expire_holds", 300),
    Periodic("identity.purge_refresh_tokens", 3600),
    *communications_templates.PERIODIC,
    *communications_providers.PERIODIC,
    *communications_consent.PERIODIC,
    *communications_messages.PERIODIC,
    *communications_virtual_visits.PERIODIC,
    *communications_reminders.PERIODIC,
    *communications_inbox.PERIODIC,
    *communications_campaigns.PERIODIC,
    *journeys.PERIODIC,
    *tickets.PERIODIC,
    *sync.PERIODIC,
)
