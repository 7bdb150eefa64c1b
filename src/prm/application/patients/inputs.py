"""What callers give to register or change a patient, before validation.

Phones and emails arrive as typed; :func:`build_details` normalises them with the tenant's phone
region, adds the MRN as the identifier of type ``MR`` and checks the aggregate's rules.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from prm.domain.patients.errors import InvalidPatient
from prm.domain.patients.model import (
    DEFAULT_MRN_SYSTEM,
    MRN_TYPE,
    Identifier,
    MaritalStatus,
    PatientDetails,
)
from prm.domain.shared.contact import Address, ContactPoint, ContactPointSystem, ContactPointUse
from prm.domain.shared.person import AdministrativeGender, HumanName


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactPointInput:
    """A FHIR ContactPoint as typed by a person: the value is normalised on the way in.

    ``source_field`` names the request field it came from when that is not ``telecom`` (the
    ``phone`` and ``email`` shorthands), so that errors point at what the caller sent.
    """

    system: ContactPointSystem
    value: str
    use: ContactPointUse | None = None
    rank: int | None = None
    source_field: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientInput:
    """A patient as given to registration or import.

    ``mrn`` is the medical record number (``None``: PRM assigns one); ``identifiers`` are the
    *other* identifiers (SSN, passport, ...); one of type ``MR`` there is refused.
    """

    name: HumanName
    mrn: str | None = None
    mrn_system: str = DEFAULT_MRN_SYSTEM
    identifiers: tuple[Identifier, ...] = ()
    gender: AdministrativeGender = AdministrativeGender.UNKNOWN
    birth_date: date | None = None
    deceased_date: date | None = None
    telecom: tuple[ContactPointInput, ...] = ()
    addresses: tuple[Address, ...] = field(default_factory=tuple)
    preferred_language: str | None = None
    marital_status: MaritalStatus | None = None


def build_telecom(given: Sequence[ContactPointInput], region: str) -> tuple[ContactPoint, ...]:
    """Normalise each contact point (phones to E.164 in ``region``); errors name ``telecom.<i>``."""
    return tuple(
        ContactPoint.create(
            system=c.system,
            value=c.value,
            use=c.use,
            rank=c.rank,
            default_region=region,
            field=f"telecom.{i}",
            value_field=c.source_field,
        )
        for i, c in enumerate(given)
    )


def mrn_identifier(mrn: str, system: str = DEFAULT_MRN_SYSTEM) -> Identifier:
    """The identifier of type ``MR`` for ``mrn`` (surrounding blanks removed)."""
    value = mrn.strip()
    if not value:
        raise InvalidPatient("mrn must not be blank", field="mrn")
    return Identifier(system=system, value=value, type=MRN_TYPE)


def other_identifiers(given: Sequence[Identifier]) -> tuple[Identifier, ...]:
    """Check that no identifier of type ``MR`` comes this way (the MRN has its own field)."""
    if any(i.type == MRN_TYPE for i in given):
        raise InvalidPatient("give the MRN in 'mrn', not among the identifiers", field="identifiers")
    return tuple(given)


def build_details(given: PatientInput, *, mrn: str, region: str) -> PatientDetails:
    """The aggregate's details from ``given``, with ``mrn`` as its identifier of type ``MR``."""
    return PatientDetails(
        identifiers=(mrn_identifier(mrn, given.mrn_system), *other_identifiers(given.identifiers)),
        name=given.name,
        gender=given.gender,
        birth_date=given.birth_date,
        deceased_date=given.deceased_date,
        telecom=build_telecom(given.telecom, region),
        addresses=tuple(a for a in given.addresses if not a.is_empty()),
        preferred_language=given.preferred_language,
        marital_status=given.marital_status,
    )
