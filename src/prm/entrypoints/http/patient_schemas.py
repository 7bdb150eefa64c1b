"""Wire schemas of the patients API (snake_case JSON, msgspec).

Names follow FHIR R4 Patient where they exist (``identifiers``, ``name.given``/``family``,
``gender`` from AdministrativeGender, ``telecom`` ContactPoints, ``addresses``); ``phone`` and
``email`` are shorthands for a mobile phone and an email ContactPoint.
"""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from prm.application.patients.inputs import ContactPointInput, PatientInput
from prm.application.patients.ports import PatientSummary
from prm.domain.patients.links import LinkType
from prm.domain.patients.model import Identifier, MaritalStatus, Patient, PatientStatus
from prm.domain.shared.contact import Address, AddressUse, ContactPointSystem, ContactPointUse
from prm.domain.shared.person import AdministrativeGender, HumanName

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Mrn = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$",
        description="Medical record number (identifier of type MR), unique per tenant",
    ),
]


class IdentifierBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """FHIR Identifier: ``system`` URI, ``value``, and the HL7 v2-0203 ``type`` code (``SS``, ``DL``, ``PPN``…)."""

    system: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    type: Annotated[str, msgspec.Meta(max_length=10)] | None = None


class NameBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    given: list[Text] = []
    family: Text | None = None
    prefix: list[ShortText] = []
    suffix: list[ShortText] = []


class ContactPointBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    system: ContactPointSystem
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=320)]
    use: ContactPointUse | None = None
    rank: Annotated[int, msgspec.Meta(ge=1)] | None = None


class AddressBody(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    use: AddressUse | None = None
    line: list[Text] = []
    city: Text | None = None
    district: Text | None = None
    state: Text | None = None
    postal_code: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    country: Annotated[str, msgspec.Meta(max_length=64)] | None = None


Language = Annotated[str, msgspec.Meta(max_length=35, description="BCP 47 language tag, e.g. en or es-MX")]


class CreatePatientRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    name: NameBody
    mrn: Mrn | None = None
    identifiers: list[IdentifierBody] = []
    gender: AdministrativeGender = AdministrativeGender.UNKNOWN
    birth_date: date | None = None
    deceased_date: date | None = None
    telecom: list[ContactPointBody] = []
    phone: Annotated[str, msgspec.Meta(max_length=64, description="Shorthand for a mobile phone")] | None = None
    email: Annotated[str, msgspec.Meta(max_length=320, description="Shorthand for an email")] | None = None
    addresses: list[AddressBody] = []
    preferred_language: Language | None = None
    marital_status: MaritalStatus | None = None
    tenant_id: UUID | None = None


class UpdatePatientRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Only the fields present change. ``version`` (or the ``If-Match`` header) guards against
    overwriting someone else's change: a stale one is answered 409."""

    name: NameBody | UnsetType = UNSET
    mrn: Mrn | UnsetType = UNSET
    identifiers: list[IdentifierBody] | UnsetType = UNSET
    gender: AdministrativeGender | UnsetType = UNSET
    birth_date: date | None | UnsetType = UNSET
    deceased_date: date | None | UnsetType = UNSET
    telecom: list[ContactPointBody] | UnsetType = UNSET
    addresses: list[AddressBody] | UnsetType = UNSET
    preferred_language: Language | None | UnsetType = UNSET
    marital_status: MaritalStatus | None | UnsetType = UNSET
    version: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET
    tenant_id: UUID | None | UnsetType = UNSET


class PatientSearchRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Advanced search: every criterion given must match. ``identifier`` is ``value`` or ``system|value``."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    birth_date: date | None = None
    phone: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    email: Annotated[str, msgspec.Meta(max_length=320)] | None = None
    identifier: Annotated[str, msgspec.Meta(max_length=512)] | None = None
    gender: AdministrativeGender | None = None
    city: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    status: PatientStatus | None = None
    page: Annotated[int, msgspec.Meta(ge=1)] = 1
    page_size: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
    tenant_id: UUID | None = None


class NameResponse(msgspec.Struct, frozen=True):
    given: list[str]
    family: str | None
    prefix: list[str]
    suffix: list[str]
    text: str


class PatientResponse(msgspec.Struct, frozen=True):
    id: UUID
    tenant_id: UUID
    mrn: str
    identifiers: list[IdentifierBody]
    name: NameResponse
    full_name: str
    gender: AdministrativeGender
    birth_date: date | None
    deceased_date: date | None
    telecom: list[ContactPointBody]
    phone: str | None
    email: str | None
    addresses: list[AddressBody]
    preferred_language: str | None
    marital_status: MaritalStatus | None
    status: PatientStatus
    version: int
    created_at: datetime
    updated_at: datetime
    link: list["PatientLinkBody"] = []
    """FHIR R4 ``Patient.link`` after merges: ``replaced-by`` (this record is merged) or ``replaces``."""


class PatientLinkBody(msgspec.Struct, frozen=True):
    """FHIR R4 ``Patient.link``: the ``other`` patient and the link ``type`` (``replaced-by``, ``replaces``)."""

    other: UUID
    type: LinkType


class PatientSimpleResponse(msgspec.Struct, frozen=True):
    id: UUID
    mrn: str
    full_name: str
    gender: AdministrativeGender
    birth_date: date | None
    phone: str | None
    email: str | None
    city: str | None
    status: PatientStatus


class DeletePatientResponse(msgspec.Struct, frozen=True):
    success: bool
    message: str
    patient_id: UUID


class DemographicsResponse(msgspec.Struct, frozen=True):
    total: int
    by_gender: dict[str, int]
    by_age_band: dict[str, int]
    by_status: dict[str, int]
    by_city: dict[str, int]


# --- mapping -------------------------------------------------------------------------------------


def to_name(body: NameBody) -> HumanName:
    return HumanName(given=tuple(body.given), family=body.family, prefix=tuple(body.prefix), suffix=tuple(body.suffix))


def to_identifiers(bodies: list[IdentifierBody]) -> tuple[Identifier, ...]:
    return tuple(Identifier(system=b.system, value=b.value, type=b.type) for b in bodies)


def to_telecom(
    bodies: list[ContactPointBody], phone: str | None = None, email: str | None = None
) -> tuple[ContactPointInput, ...]:
    given = [ContactPointInput(system=b.system, value=b.value, use=b.use, rank=b.rank) for b in bodies]
    if phone:
        given.append(
            ContactPointInput(
                system=ContactPointSystem.PHONE, value=phone, use=ContactPointUse.MOBILE, source_field="phone"
            )
        )
    if email:
        given.append(ContactPointInput(system=ContactPointSystem.EMAIL, value=email, source_field="email"))
    return tuple(given)


def to_addresses(bodies: list[AddressBody]) -> tuple[Address, ...]:
    return tuple(
        Address(
            use=b.use,
            line=tuple(b.line),
            city=b.city,
            district=b.district,
            state=b.state,
            postal_code=b.postal_code,
            country=b.country,
        )
        for b in bodies
    )


def address_body(address: Address) -> AddressBody:
    """The wire form of a FHIR Address (patients, practitioners and organisations answer it)."""
    return AddressBody(
        use=address.use,
        line=list(address.line),
        city=address.city,
        district=address.district,
        state=address.state,
        postal_code=address.postal_code,
        country=address.country,
    )


def to_patient_input(body: CreatePatientRequest) -> PatientInput:
    return PatientInput(
        name=to_name(body.name),
        mrn=body.mrn,
        identifiers=to_identifiers(body.identifiers),
        gender=body.gender,
        birth_date=body.birth_date,
        deceased_date=body.deceased_date,
        telecom=to_telecom(body.telecom, body.phone, body.email),
        addresses=to_addresses(body.addresses),
        preferred_language=body.preferred_language,
        marital_status=body.marital_status,
    )


def to_changes(body: UpdatePatientRequest) -> dict[str, object]:
    converters = {"name": to_name, "identifiers": to_identifiers, "telecom": to_telecom, "addresses": to_addresses}
    changes: dict[str, object] = {}
    for field in body.__struct_fields__:
        value = getattr(body, field)
        if value is UNSET or field in {"version", "tenant_id"}:
            continue
        convert = converters.get(field)
        changes[field] = convert(value) if convert else value  # type: ignore[operator]
    return changes


def patient_response(patient: Patient) -> PatientResponse:
    d = patient.details
    return PatientResponse(
        id=patient.id,
        tenant_id=patient.tenant_id,
        mrn=patient.mrn,
        identifiers=[IdentifierBody(system=i.system, value=i.value, type=i.type) for i in d.identifiers],
        name=NameResponse(
            given=list(d.name.given),
            family=d.name.family,
            prefix=list(d.name.prefix),
            suffix=list(d.name.suffix),
            text=d.name.text,
        ),
        full_name=d.name.text,
        gender=d.gender,
        birth_date=d.birth_date,
        deceased_date=d.deceased_date,
        telecom=[ContactPointBody(system=c.system, value=c.value, use=c.use, rank=c.rank) for c in d.telecom],
        phone=next(iter(d.phones), None),
        email=next(iter(d.emails), None),
        addresses=[address_body(a) for a in d.addresses],
        preferred_language=d.preferred_language,
        marital_status=d.marital_status,
        status=patient.status,
        version=patient.version,
        created_at=patient.created_at,
        updated_at=patient.updated_at,
        link=[PatientLinkBody(other=link.other, type=link.type) for link in patient.links],
    )


def patient_simple(summary: PatientSummary) -> PatientSimpleResponse:
    return PatientSimpleResponse(
        id=summary.id,
        mrn=summary.mrn,
        full_name=summary.full_name,
        gender=summary.gender,
        birth_date=summary.birth_date,
        phone=summary.phone,
        email=summary.email,
        city=summary.city,
        status=summary.status,
    )
