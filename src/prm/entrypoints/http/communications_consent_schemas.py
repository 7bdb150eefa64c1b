"""Wire schemas of the consent part: consents, the preference matrix and the tenant's messaging
settings (snake_case; times UTC, RFC 3339)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Struct

from prm.application.communications.consent_consents import ChannelConsent, PatientConsents
from prm.domain.communications.channels import Channel
from prm.domain.communications.consent import ConsentRecord, ConsentSource, ConsentState, ConsentStatus, ProvisionType
from prm.domain.communications.consent_settings import CommunicationSettings
from prm.domain.communications.preferences import EVENT_TYPES, PreferenceMatrix
from prm.domain.shared.ids import PatientId

LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["21:00"])]
Zone = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/London"])]
Language = Annotated[str, msgspec.Meta(min_length=2, max_length=35, pattern=r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")]
ChannelKey = Annotated[str, msgspec.Meta(pattern=r"^(sms|whatsapp|email)$", description="sms, whatsapp or email")]
"""A channel as a JSON object key (enum-typed keys are not constrained in JSON Schema)."""
EventType = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$")]


class RecordConsentRequest(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """FHIR Consent terms: ``status`` ``active`` (applies) or ``inactive`` (withdrawn: back to
    the default rule); ``provision`` ``permit`` or ``deny`` (an opt-out)."""

    status: ConsentStatus
    provision: ProvisionType = ProvisionType.PERMIT
    source: ConsentSource = ConsentSource.STAFF


class ConsentRecordResponse(Struct, frozen=True, kw_only=True):
    id: UUID
    channel: Channel
    status: ConsentStatus
    provision: ProvisionType
    source: ConsentSource
    recorded_at: datetime
    recorded_by: str


class ChannelConsentResponse(Struct, frozen=True, kw_only=True):
    channel: Channel
    state: ConsentState
    """``permitted``, ``opted_out`` or ``none`` (implied for transactional messages only)."""
    record: ConsentRecordResponse | None


class PatientConsentsResponse(Struct, frozen=True, kw_only=True):
    patient_id: UUID
    consents: list[ChannelConsentResponse]
    history: list[ConsentRecordResponse]


def record_response(record: ConsentRecord) -> ConsentRecordResponse:
    return ConsentRecordResponse(
        id=record.id,
        channel=record.channel,
        status=record.status,
        provision=record.provision,
        source=record.source,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
    )


def channel_consent_response(consent: ChannelConsent) -> ChannelConsentResponse:
    record = record_response(consent.record) if consent.record is not None else None
    return ChannelConsentResponse(channel=consent.channel, state=consent.state, record=record)


def consents_response(consents: PatientConsents) -> PatientConsentsResponse:
    return PatientConsentsResponse(
        patient_id=consents.patient_id,
        consents=[channel_consent_response(c) for c in consents.current],
        history=[record_response(r) for r in consents.history],
    )


class SetPreferencesRequest(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``event_type -> channel -> enabled``; entries left out keep their value."""

    preferences: dict[EventType, dict[ChannelKey, bool]]


class PreferenceMatrixResponse(Struct, frozen=True, kw_only=True):
    """MediKeep's preference matrix shape: the channels, the events and ``preferences[event][channel]``."""

    patient_id: UUID
    channels: list[Channel]
    events: list[str]
    preferences: dict[str, dict[Channel, bool]]


def matrix_response(patient_id: PatientId, matrix: PreferenceMatrix) -> PreferenceMatrixResponse:
    return PreferenceMatrixResponse(
        patient_id=patient_id, channels=list(Channel), events=list(EVENT_TYPES), preferences=matrix.rows()
    )


class QuietHoursBody(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Local times ``HH:MM`` in ``time_zone``; ``start`` equal to ``end``: no quiet hours."""

    start: LocalTime
    end: LocalTime


class UpdateSettingsRequest(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    quiet_hours: QuietHoursBody
    time_zone: Zone
    """IANA zone the quiet hours are read in (patients carry no zone yet)."""
    require_explicit_consent: bool = False
    default_language: Language = "en"
    version: int | None = None
    """The version read; a different stored one is 409 (``null``/absent: no check)."""


class SettingsResponse(Struct, frozen=True, kw_only=True):
    quiet_hours: QuietHoursBody
    time_zone: str
    require_explicit_consent: bool
    default_language: str
    version: int
    """0 while the tenant uses the defaults."""
    updated_at: datetime | None


def settings_response(settings: CommunicationSettings) -> SettingsResponse:
    return SettingsResponse(
        quiet_hours=QuietHoursBody(
            start=settings.quiet_hours.start.strftime("%H:%M"), end=settings.quiet_hours.end.strftime("%H:%M")
        ),
        time_zone=settings.time_zone,
        require_explicit_consent=settings.require_explicit_consent,
        default_language=settings.default_language,
        version=settings.version,
        updated_at=settings.updated_at,
    )
