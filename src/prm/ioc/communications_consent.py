"""Communications context wiring: the consent part (consent history, preferences, the tenant's
messaging settings, the :class:`SendPolicy` and the :class:`ConsentRecorder`).

All REQUEST-scoped, over the unit of work's connection; ``PatientContacts`` (the 404 of unknown
patients) comes from the messages part. ``JOBS`` (task name to job handler class), ``EVENTS``
(event type to handler classes) and ``PERIODIC`` are merged into :mod:`prm.ioc.jobs` and
:mod:`prm.ioc.events`.
"""

import functools
from collections.abc import Mapping

from dishka import Provider, Scope, alias, provide, provide_all

from prm.adapters.sql.communications_consent import (
    SqlCommunicationSettingsRepository,
    SqlConsentEntryQueries,
    SqlConsentRepository,
    SqlPolicyFactsReader,
    SqlPreferenceRepository,
)
from prm.adapters.sql.connection import SqlConnection
from prm.application.communications.consent_consents import GetConsents, RecordConsent
from prm.application.communications.consent_policy import ConsentSendPolicy
from prm.application.communications.consent_ports import (
    BatchSendPolicy,
    CommunicationSettingsRepository,
    ConsentEntryQueries,
    ConsentRepository,
    PolicyFactsReader,
    PreferenceRepository,
)
from prm.application.communications.consent_preferences import GetPreferences, SetPreferences
from prm.application.communications.consent_recorder import RecordKeywordConsent
from prm.application.communications.consent_settings import GetCommunicationSettings, UpdateCommunicationSettings
from prm.application.communications.contracts import ConsentRecorder, SendPolicy
from prm.application.communications.fhir_consents import FindConsentEntries, GetConsentEntry
from prm.application.identity.ports import TenantRepository
from prm.application.shared.events import EventHandler
from prm.application.shared.jobs import JobHandler
from prm.domain.communications.consent_settings import CommunicationSettings
from prm.domain.communications.quiet_hours import InvalidQuietHours, QuietHours
from prm.domain.shared.ids import TenantId
from prm.ioc.periodic import Periodic
from prm.settings import Settings, SettingsError

JOBS: Mapping[str, type[JobHandler]] = {}
EVENTS: Mapping[str, tuple[type[EventHandler], ...]] = {}
PERIODIC: tuple[Periodic, ...] = ()


@functools.lru_cache(maxsize=8)
def default_settings(quiet_hours: str) -> CommunicationSettings:
    """The settings of a tenant that saved none: ``PRM_QUIET_HOURS`` (``HH:MM-HH:MM`` local time in
    ``UTC``; ``00:00-00:00``: none), parsed once. Raises :class:`SettingsError` naming the variable."""
    start, dash, end = quiet_hours.partition("-")
    try:
        if not dash:
            raise InvalidQuietHours("no dash", field="quiet_hours")
        return CommunicationSettings(quiet_hours=QuietHours.parse(start.strip(), end.strip()))
    except InvalidQuietHours:
        raise SettingsError("PRM_QUIET_HOURS must be HH:MM-HH:MM (21:00-08:00; 00:00-00:00 for none)") from None


class CommunicationsConsentProvider(Provider):
    scope = Scope.REQUEST
    consents = provide(SqlConsentRepository, provides=ConsentRepository)
    preferences = provide(SqlPreferenceRepository, provides=PreferenceRepository)
    entries = provide(SqlConsentEntryQueries, provides=ConsentEntryQueries)
    fhir_use_cases = provide_all(GetConsentEntry, FindConsentEntries)

    @provide
    def settings_repository(
        self, connection: SqlConnection, tenant_id: TenantId, settings: Settings, tenants: TenantRepository
    ) -> CommunicationSettingsRepository:
        """The tenant's settings, defaulting to :func:`default_settings` in the tenant's zone."""
        return SqlCommunicationSettingsRepository(
            connection, tenant_id, default_settings(settings.quiet_hours), tenants
        )

    facts = provide(SqlPolicyFactsReader, provides=PolicyFactsReader)
    policy = provide(ConsentSendPolicy)
    send_policy = alias(source=ConsentSendPolicy, provides=SendPolicy)
    batch_send_policy = alias(source=ConsentSendPolicy, provides=BatchSendPolicy)
    recorder = provide(RecordKeywordConsent, provides=ConsentRecorder)
    use_cases = provide_all(
        GetConsents,
        RecordConsent,
        GetPreferences,
        SetPreferences,
        GetCommunicationSettings,
        UpdateCommunicationSettings,
    )
