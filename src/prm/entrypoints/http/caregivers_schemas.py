"""Wire schemas of the caregivers API (snake_case JSON, msgspec), after FHIR R4 RelatedPerson.

``name`` is a FHIR HumanName, ``relationship`` an HL7 v3 RoleCode (``MTH``, ``FTH``, ``PRN``,
``CHILD``, ``SPS``, ``GUARD``, ``NOK``, ``CAREGIVER`` ...; see ``relationship_display``),
``telecom`` FHIR ContactPoints (phones answered in E.164), ``preferred_channel`` one of ``sms``,
``whatsapp``, ``email``, ``receives_communications`` whether the patient's messages also go to
them, and ``period_start`` / ``period_end`` the active period (FHIR ``RelatedPerson.period``,
dates).
"""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.caregivers.inputs import CaregiverInput, TelecomInput
from prm.domain.caregivers.model import Caregiver, CaregiverChannel
from prm.domain.caregivers.relationships import ROLE_CODE_SYSTEM
from prm.entrypoints.http.patching import given_fields
from prm.entrypoints.http.patient_schemas import ContactPointBody, NameBody, NameResponse, to_name

Relationship = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=16,
        description=f"HL7 v3 RoleCode ({ROLE_CODE_SYSTEM}), any case: MTH, FTH, PRN, CHILD, SPS, SIB, FRND, GUARD, "
        "NOK, ECON, CAREGIVER ...",
        examples=["MTH"],
    ),
]
Telecom = Annotated[list[ContactPointBody], msgspec.Meta(max_length=10)]


class Struct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Request bodies: unknown fields are refused."""


class CreateCaregiverRequest(Struct, frozen=True):
    """A person related to the patient. ``preferred_channel`` needs an address for it in
    ``telecom``; ``receives_communications`` needs a phone or an email."""

    name: NameBody
    relationship: Relationship
    telecom: Telecom = []
    preferred_channel: CaregiverChannel | None = None
    receives_communications: bool = False
    period_start: date | None = None
    period_end: date | None = None


class UpdateCaregiverRequest(Struct, frozen=True):
    """Only the fields present change (``telecom`` is replaced whole; ``null`` clears an optional
    field). ``version`` (or ``If-Match``) makes the change conditional: a stale one is 409."""

    name: NameBody | UnsetType = UNSET
    relationship: Relationship | UnsetType = UNSET
    telecom: Telecom | UnsetType = UNSET
    preferred_channel: CaregiverChannel | None | UnsetType = UNSET
    receives_communications: bool | UnsetType = UNSET
    period_start: date | None | UnsetType = UNSET
    period_end: date | None | UnsetType = UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET


class CaregiverResponse(msgspec.Struct, frozen=True):
    """A caregiver as stored; ``version`` is also its ``ETag``. ``active`` tells whether today
    (UTC) is in the period."""

    id: UUID
    patient_id: UUID
    name: NameResponse
    full_name: str
    relationship: str
    relationship_display: str
    relationship_system: str
    telecom: list[ContactPointBody]
    preferred_channel: CaregiverChannel | None
    receives_communications: bool
    period_start: date | None
    period_end: date | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class CaregiverListResponse(msgspec.Struct, frozen=True):
    items: list[CaregiverResponse]
    total: int


# --- mapping -------------------------------------------------------------------------------------


def _telecom(bodies: list[ContactPointBody]) -> tuple[TelecomInput, ...]:
    return tuple(TelecomInput(system=b.system, value=b.value, use=b.use, rank=b.rank) for b in bodies)


def to_caregiver_input(body: CreateCaregiverRequest) -> CaregiverInput:
    return CaregiverInput(
        name=to_name(body.name),
        relationship=body.relationship,
        telecom=_telecom(body.telecom),
        preferred_channel=body.preferred_channel,
        receives_communications=body.receives_communications,
        period_start=body.period_start,
        period_end=body.period_end,
    )


def _convert(value: object) -> object:
    if isinstance(value, NameBody):
        return to_name(value)
    if isinstance(value, list):
        return _telecom(value)
    return value


def to_changes(body: UpdateCaregiverRequest) -> dict[str, object]:
    """The fields present in ``body`` (but ``version``), as application values."""
    return given_fields(body, _convert)


def caregiver_response(caregiver: Caregiver, today: date) -> CaregiverResponse:
    d = caregiver.details
    return CaregiverResponse(
        id=caregiver.id,
        patient_id=caregiver.patient_id,
        name=NameResponse(
            given=list(d.name.given),
            family=d.name.family,
            prefix=list(d.name.prefix),
            suffix=list(d.name.suffix),
            text=d.name.text,
        ),
        full_name=d.name.text,
        relationship=d.relationship,
        relationship_display=d.relationship_display,
        relationship_system=ROLE_CODE_SYSTEM,
        telecom=[ContactPointBody(system=c.system, value=c.value, use=c.use, rank=c.rank) for c in d.telecom],
        preferred_channel=d.preferred_channel,
        receives_communications=d.receives_communications,
        period_start=d.period_start,
        period_end=d.period_end,
        active=d.active_on(today),
        version=caregiver.version,
        created_at=caregiver.created_at,
        updated_at=caregiver.updated_at,
    )
