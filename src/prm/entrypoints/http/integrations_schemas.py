"""Wire schemas of the integrations API (snake_case JSON, msgspec) and their mapping.

Inbound events follow the reference API's "Inbound Events" (``payload`` for its ``payload_json``),
plus the sender's ``external_id`` and the event's ``occurred_at``. A bulk request's elements are
read one by one (:func:`read_bulk_item`), so that one bad element is an error of its own.
"""

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.integrations.inputs import MAX_BATCH, ItemError, ReceivedBatch, ReceiveEventCommand
from prm.application.integrations.ports import IntegrationEventSummary
from prm.domain.integrations.config import (
    DEFAULT_RATE_LIMIT_PER_HOUR,
    MAX_DESCRIPTION_LENGTH,
    MAX_RATE_LIMIT_PER_HOUR,
    MAX_SECRET_LENGTH,
    MAX_URL_LENGTH,
    SECRET_NAME_PATTERN,
    IntegrationConfig,
)
from prm.domain.integrations.model import (
    EVENT_CODE_PATTERN,
    MAX_EVENT_CODE_LENGTH,
    MAX_EXTERNAL_ID_LENGTH,
    MAX_PATIENT_IDENTIFIER_LENGTH,
    MAX_SOURCE_SYSTEM_LENGTH,
    SOURCE_SYSTEM_PATTERN,
    FailureReason,
    IntegrationEvent,
    IntegrationEventStatus,
)
from prm.entrypoints.http.openapi import FREE_FORM

SourceSystem = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_SOURCE_SYSTEM_LENGTH,
        pattern=SOURCE_SYSTEM_PATTERN,
        description="The sending system's code, e.g. his or lab (stored in lower case)",
    ),
]
EventCode = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_EVENT_CODE_LENGTH,
        pattern=EVENT_CODE_PATTERN,
        description="What happened, in upper snake case, e.g. OPD_VISIT_COMPLETED",
    ),
]
ExternalId = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_EXTERNAL_ID_LENGTH)]
SenderEventId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_EXTERNAL_ID_LENGTH,
        description="The sender's id of the event: with source_system, what makes a replay a replay",
    ),
]
PatientIdentifierText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_PATIENT_IDENTIFIER_LENGTH,
        description="The patient's MRN, or an identifier as system|value (FHIR token)",
    ),
]


class ReceiveEventRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """One inbound event. The same ``source_system`` and ``external_id`` again is a replay:
    answered 200 with the stored event. ``payload``: a JSON object of at most 64 KiB encoded."""

    source_system: SourceSystem
    event_code: EventCode
    external_id: SenderEventId
    patient_identifier: PatientIdentifierText
    occurred_at: Annotated[datetime, msgspec.Meta(tz=True, description="When it happened (RFC 3339 with offset)")]
    encounter_id: ExternalId | None = None
    payload: dict[str, Any] = {}


BulkElement = Annotated[
    Any,
    msgspec.Meta(
        description="An event as in POST /integrations/events; any JSON value is read, and refused on its own",
        # The wire accepts any JSON value here (within the input policy): the document's free-form
        # schema, which the single event's ``payload`` puts in the components.
        extra_json_schema={"$ref": f"#/components/schemas/{FREE_FORM}"},
    ),
]


class BulkReceiveRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Up to 1,000 events, each as in ``POST /integrations/events``, each checked on its own."""

    events: Annotated[list[BulkElement], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


class IntegrationEventSummaryResponse(msgspec.Struct, frozen=True):
    """An inbound event as listed (without its payload), with its processing: ``failure_reason``
    (a code) and ``failure_message`` while ``failed``, ``patient_id`` once resolved; times RFC 3339 UTC."""

    id: UUID
    source_system: str
    event_code: str
    external_id: str
    encounter_id: str | None
    patient_identifier: str
    patient_id: UUID | None
    occurred_at: datetime
    received_at: datetime
    status: IntegrationEventStatus
    attempts: int
    failure_reason: FailureReason | None
    failure_message: str | None
    processed_at: datetime | None


class IntegrationEventResponse(IntegrationEventSummaryResponse, frozen=True):
    """An inbound event as stored: the summary's fields and the sender's ``payload``."""

    payload: dict[str, Any]


class BulkItemError(msgspec.Struct, frozen=True):
    """Element ``index`` (0-based) was refused: ``loc`` is the path to the bad field."""

    index: int
    loc: list[str | int]
    msg: str


class BulkReceiveResponse(msgspec.Struct, frozen=True):
    created: int
    duplicates: int
    failed: int
    errors: list[BulkItemError]


SecretName = Annotated[str, msgspec.Meta(pattern=SECRET_NAME_PATTERN)]
SecretValue = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_SECRET_LENGTH)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION_LENGTH)]
ApiUrl = Annotated[str, msgspec.Meta(max_length=MAX_URL_LENGTH, description="http or https URL of the system's API")]
RateLimit = Annotated[
    int, msgspec.Meta(ge=1, le=MAX_RATE_LIMIT_PER_HOUR, description="Events an hour the system may send")
]


class CreateIntegrationConfigRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``secrets`` (``{"api_key": "…"}``) are write-only: answers list their names only."""

    name: Name
    source_system: SourceSystem
    description: Description | None = None
    api_url: ApiUrl | None = None
    is_active: bool = True
    settings: dict[str, Any] = {}
    secrets: dict[SecretName, SecretValue] = {}
    rate_limit_per_hour: RateLimit = DEFAULT_RATE_LIMIT_PER_HOUR


class UpdateIntegrationConfigRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Only the fields present change. In ``secrets`` a string sets the named secret, ``null``
    removes it, and the names left out stay. ``version`` (or ``If-Match``) refuses the update
    with 409 if someone changed the configuration since you read it."""

    name: Name | UnsetType = UNSET
    source_system: SourceSystem | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    api_url: ApiUrl | None | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    settings: dict[str, Any] | UnsetType = UNSET
    secrets: dict[SecretName, SecretValue | None] | UnsetType = UNSET
    rate_limit_per_hour: RateLimit | UnsetType = UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET


class IntegrationConfigResponse(msgspec.Struct, frozen=True):
    """``secret_names``: which secrets are set (their values are never answered)."""

    id: UUID
    name: str
    source_system: str
    description: str | None
    api_url: str | None
    is_active: bool
    settings: dict[str, Any]
    secret_names: list[str]
    rate_limit_per_hour: int
    version: int
    created_at: datetime
    updated_at: datetime


# --- mapping -------------------------------------------------------------------------------------


def to_command(body: ReceiveEventRequest) -> ReceiveEventCommand:
    return ReceiveEventCommand(
        source_system=body.source_system,
        event_code=body.event_code,
        external_id=body.external_id,
        encounter_id=body.encounter_id,
        patient_identifier=body.patient_identifier,
        occurred_at=body.occurred_at,
        payload=body.payload,
    )


_MISSING = re.compile(r"missing required field `([^`]+)`")
_UNKNOWN = re.compile(r"unknown field `([^`]+)`")
_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def read_bulk_item(index: int, element: Any) -> ReceiveEventCommand | ItemError:
    """Element ``index`` of a bulk request as a command, or the error that names its bad field
    (``loc`` ``["body", "events", index, field, ...]``), read as strictly as a single event."""
    try:
        return to_command(msgspec.convert(element, ReceiveEventRequest))
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        path: list[str | int] = [int(i) if i else name for name, i in _PART.findall(where.rstrip("`"))]
        found = _MISSING.search(message) or _UNKNOWN.search(message)
        if found:
            path.append(found.group(1))
        return ItemError(index=index, loc=("body", "events", index, *path), msg=message)


_SUMMARY_FIELDS = IntegrationEventSummaryResponse.__struct_fields__


def event_summary(event: IntegrationEventSummary) -> IntegrationEventSummaryResponse:
    """The list shape of ``event`` (no payload)."""
    return IntegrationEventSummaryResponse(**{name: getattr(event, name) for name in _SUMMARY_FIELDS})


def event_response(event: IntegrationEvent) -> IntegrationEventResponse:
    """The full shape of ``event``, payload included."""
    return IntegrationEventResponse(
        **{name: getattr(event, name) for name in _SUMMARY_FIELDS}, payload=dict(event.payload)
    )


def batch_response(batch: ReceivedBatch) -> BulkReceiveResponse:
    return BulkReceiveResponse(
        created=batch.created,
        duplicates=batch.duplicates,
        failed=batch.failed,
        errors=[BulkItemError(index=e.index, loc=list(e.loc), msg=e.msg) for e in batch.errors],
    )


def config_response(config: IntegrationConfig) -> IntegrationConfigResponse:
    return IntegrationConfigResponse(
        id=config.id,
        name=config.name,
        source_system=config.source_system,
        description=config.description,
        api_url=config.api_url,
        is_active=config.is_active,
        settings=dict(config.settings),
        secret_names=list(config.secret_names),
        rate_limit_per_hour=config.rate_limit_per_hour,
        version=config.version,
        created_at=config.created_at,
        updated_at=config.updated_at,
    )


def config_changes(body: UpdateIntegrationConfigRequest) -> dict[str, Any]:
    """The fields present in ``body`` but ``secrets`` and ``version``."""
    return {
        name: value
        for name in body.__struct_fields__
        if name not in {"secrets", "version"} and (value := getattr(body, name)) is not UNSET
    }
