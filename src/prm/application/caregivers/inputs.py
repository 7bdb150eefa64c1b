"""What callers give to add or change a caregiver, before validation.

Contact points arrive as typed: :func:`build_telecom` turns phones into E.164 with the tenant's
phone region and normalises emails (as the patients context does); the aggregate then checks its
own rules (:mod:`prm.domain.caregivers.model`). Errors name the field at fault
(``telecom.0.value``).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date

from prm.domain.caregivers.errors import InvalidCaregiver
from prm.domain.caregivers.model import CaregiverChannel, CaregiverDetails
from prm.domain.caregivers.relationships import relationship_code
from prm.domain.shared.contact import ContactPoint, ContactPointSystem, ContactPointUse
from prm.domain.shared.person import HumanName


@dataclass(frozen=True, slots=True, kw_only=True)
class TelecomInput:
    """A FHIR ContactPoint as typed: the value is normalised on the way in."""

    system: ContactPointSystem
    value: str
    use: ContactPointUse | None = None
    rank: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverInput:
    """A caregiver as given to :class:`~prm.application.caregivers.add_caregiver.AddCaregiver`.
    ``relationship`` is an HL7 v3 RoleCode in any case (``MTH``, ``guard``)."""

    name: HumanName
    relationship: str
    telecom: Sequence[TelecomInput] = ()
    preferred_channel: CaregiverChannel | None = None
    receives_communications: bool = False
    period_start: date | None = None
    period_end: date | None = None


EDITABLE_FIELDS = frozenset(f.name for f in fields(CaregiverInput))
"""The fields a PATCH may change: exactly those of :class:`CaregiverInput`."""


def build_telecom(given: Sequence[TelecomInput], region: str) -> tuple[ContactPoint, ...]:
    """Normalised contact points; raises ``InvalidPhoneNumber`` / ``InvalidEmail`` naming
    ``telecom.<i>.value`` (``region``, ISO 3166-1 alpha-2, applies to numbers without a country code)."""
    return tuple(
        ContactPoint.create(
            system=t.system, value=t.value, use=t.use, rank=t.rank, default_region=region, field=f"telecom.{i}"
        )
        for i, t in enumerate(given)
    )


def check_relationship(raw: object) -> str:
    """The accepted code for ``raw``; raises ``InvalidCaregiver`` (``relationship``) otherwise."""
    code = relationship_code(raw) if isinstance(raw, str) else None
    if code is None:
        raise InvalidCaregiver(
            f"relationship {raw!r} is not an accepted HL7 v3 RoleCode (e.g. MTH, FTH, SPS, GUARD, CAREGIVER)",
            field="relationship",
        )
    return code


def build_details(given: CaregiverInput, region: str) -> CaregiverDetails:
    """The aggregate's details from ``given``; raises ``RuleViolated`` naming the first field at fault."""
    return CaregiverDetails(
        name=given.name,
        relationship=check_relationship(given.relationship),
        telecom=build_telecom(given.telecom, region),
        preferred_channel=given.preferred_channel,
        receives_communications=given.receives_communications,
        period_start=given.period_start,
        period_end=given.period_end,
    )


def normalize_changes(given: Mapping[str, object], region: str) -> dict[str, object]:
    """The fields of a partial update as the aggregate keeps them (``telecom`` is replaced whole);
    unknown names raise ``InvalidCaregiver``."""
    unknown = set(given) - EDITABLE_FIELDS
    if unknown:
        first = sorted(unknown)[0]
        raise InvalidCaregiver(f"cannot change {', '.join(sorted(unknown))}", field=first)
    changes: dict[str, object] = {}
    for name, value in given.items():
        if name == "telecom":
            changes[name] = build_telecom(value, region)  # type: ignore[arg-type]
        elif name == "relationship":
            changes[name] = check_relationship(value)
        else:
            if name == "receives_communications" and not isinstance(value, bool):
                raise InvalidCaregiver("receives_communications must be true or false", field=name)
            changes[name] = value
    return changes
