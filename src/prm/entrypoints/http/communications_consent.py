"""HTTP routes of the communications context's consent part, under ``/api/v1/prm/communications``.

- ``/communications/consents``: a patient's consent per channel (FHIR Consent terms) and its
  history; staff record what the patient said (``communications:read|write``);
- ``/communications/preferences/{patient_id}``: the per-event channel preference matrix
  (``communications:read|write``);
- ``/communications/settings``: the tenant's quiet hours, time zone, explicit-consent rule and
  default language (``communication_settings:read|write``, administrators).
"""

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler

from prm.application.communications.consent_consents import GetConsents, RecordConsent, RecordConsentCommand
from prm.application.communications.consent_preferences import (
    GetPreferences,
    SetPreferences,
    SetPreferencesCommand,
)
from prm.application.communications.consent_settings import (
    GetCommunicationSettings,
    UpdateCommunicationSettings,
    UpdateCommunicationSettingsCommand,
)
from prm.domain.communications.channels import Channel
from prm.domain.shared.ids import PatientId
from prm.entrypoints.http.communications_consent_schemas import (
    ChannelConsentResponse,
    PatientConsentsResponse,
    PreferenceMatrixResponse,
    RecordConsentRequest,
    SetPreferencesRequest,
    SettingsResponse,
    UpdateSettingsRequest,
    channel_consent_response,
    consents_response,
    matrix_response,
    settings_response,
)
from prm.entrypoints.http.problems import problem_responses

READ = {"permission": "communications:read"}
WRITE = {"permission": "communications:write"}
SETTINGS_READ = {"permission": "communication_settings:read"}
SETTINGS_WRITE = {"permission": "communication_settings:write"}


class CommunicationConsentsController(Controller):
    path = "/communications/consents"
    tags = ("communications",)

    @get(opt=READ, responses=problem_responses(403, 404), summary="Get a patient's messaging consents")
    @inject
    async def get_communication_consents(
        self, patient_id: FromQuery[UUID], get_consents: FromDishka[GetConsents]
    ) -> PatientConsentsResponse:
        """The current consent per channel (``permitted``, ``opted_out``, or ``none``: implied
        for transactional messages, absent for campaigns) and every record, newest first.
        404 for a patient unknown to the tenant."""
        return consents_response(await get_consents(PatientId(patient_id)))

    @put(
        "/{patient_id:uuid}/{channel:str}",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404, 422),
        summary="Record a patient's messaging consent on a channel",
    )
    @inject
    async def record_communication_consent(
        self,
        patient_id: FromPath[UUID],
        channel: FromPath[Channel],
        data: JSONBody[RecordConsentRequest],
        record_consent: FromDishka[RecordConsent],
    ) -> ChannelConsentResponse:
        """Append a record (it becomes the current one): ``active`` ``permit`` opts in (also to
        campaigns), ``active`` ``deny`` opts out, ``inactive`` withdraws the record (back to the
        default rule)."""
        consent = await record_consent(
            RecordConsentCommand(
                patient_id=PatientId(patient_id),
                channel=channel,
                status=data.status,
                provision=data.provision,
                source=data.source,
            )
        )
        return channel_consent_response(consent)


class CommunicationPreferencesController(Controller):
    path = "/communications/preferences"
    tags = ("communications",)

    @get(
        "/{patient_id:uuid}",
        opt=READ,
        responses=problem_responses(403, 404),
        summary="Get a patient's messaging preferences",
    )
    @inject
    async def get_communication_preferences(
        self, patient_id: FromPath[UUID], get_preferences: FromDishka[GetPreferences]
    ) -> PreferenceMatrixResponse:
        """Every event by every channel; an entry never set is ``true``. Consent still applies."""
        return matrix_response(PatientId(patient_id), await get_preferences(PatientId(patient_id)))

    @put(
        "/{patient_id:uuid}",
        opt=WRITE,
        status_code=200,
        responses=problem_responses(403, 404, 422),
        summary="Set a patient's messaging preferences",
    )
    @inject
    async def set_communication_preferences(
        self,
        patient_id: FromPath[UUID],
        data: JSONBody[SetPreferencesRequest],
        set_preferences: FromDishka[SetPreferences],
    ) -> PreferenceMatrixResponse:
        """Set the entries given (``preferences[event][channel]``); the others keep their value.
        An unknown event type is 422 naming it."""
        matrix = await set_preferences(
            SetPreferencesCommand(
                patient_id=PatientId(patient_id),
                entries={e: {Channel(c): on for c, on in row.items()} for e, row in data.preferences.items()},
            )
        )
        return matrix_response(PatientId(patient_id), matrix)


class CommunicationSettingsController(Controller):
    path = "/communications/settings"
    tags = ("communications",)

    @get(opt=SETTINGS_READ, responses=problem_responses(403), summary="Get the tenant's messaging settings")
    @inject
    async def get_communication_settings(self, get_settings: FromDishka[GetCommunicationSettings]) -> SettingsResponse:
        """Quiet hours (default 21:00 to 08:00 in ``UTC``), whether every category needs an
        explicit permit (default ``false``) and the default language (``en``)."""
        return settings_response(await get_settings())

    @put(
        opt=SETTINGS_WRITE,
        status_code=200,
        responses=problem_responses(403, 409, 422),
        summary="Replace the tenant's messaging settings",
    )
    @inject
    async def update_communication_settings(
        self, data: JSONBody[UpdateSettingsRequest], update: FromDishka[UpdateCommunicationSettings]
    ) -> SettingsResponse:
        """Replace every setting. An unknown time zone is 422 naming ``time_zone``; a ``version``
        other than the stored one is 409."""
        settings = await update(
            UpdateCommunicationSettingsCommand(
                quiet_hours_start=data.quiet_hours.start,
                quiet_hours_end=data.quiet_hours.end,
                time_zone=data.time_zone,
                require_explicit_consent=data.require_explicit_consent,
                default_language=data.default_language,
                expected_version=data.version,
            )
        )
        return settings_response(settings)


ROUTES: list[ControllerRouterHandler] = [
    CommunicationConsentsController,
    CommunicationPreferencesController,
    CommunicationSettingsController,
]
