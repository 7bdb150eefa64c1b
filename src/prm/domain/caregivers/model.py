"""The caregiver aggregate: a person related to a patient (FHIR R4 RelatedPerson).

A caregiver belongs to one patient of the tenant: a parent of a child, a carer of an elderly
patient, a spouse, a guardian. Modelled on FHIR R4 RelatedPerson (``name``, ``relationship``,
``telecom``, ``period``, ``active``) and on MediKeep's sharing with family. Rules kept here:

- ``relationship`` is one code of :data:`~prm.domain.caregivers.relationships.RELATIONSHIPS`
  (HL7 v3 RoleCode);
- ``telecom`` holds at most :data:`MAX_TELECOM` contact points, phones in E.164 and emails
  normalised by the time they get here (the application does it with the tenant's phone region);
- ``preferred_channel`` (``sms``, ``whatsapp`` or ``email``) needs an address for it: a phone
  for SMS and WhatsApp, an email for email;
- ``receives_communications`` (the patient's messages are also sent to them) needs a phone or an
  email;
- the active period (FHIR ``RelatedPerson.period``, whole days) does not end before it starts; a
  caregiver outside it is inactive and receives nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from prm.domain.caregivers.errors import InvalidCaregiver
from prm.domain.caregivers.events import CaregiverAdded, CaregiverRemoved, CaregiverUpdated
from prm.domain.caregivers.ids import CaregiverId
from prm.domain.caregivers.relationships import RELATIONSHIPS, display
from prm.domain.shared.contact import ContactPoint, ContactPointSystem, ContactPointUse
from prm.domain.shared.ids import PatientId, TenantId, new_id
from prm.domain.shared.person import HumanName

MAX_TELECOM = 10
"""Contact points one caregiver keeps at most."""


class CaregiverChannel(StrEnum):
    """The channel a caregiver prefers to be reached on (the communications context's channels)."""

    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverDetails:
    """Everything about a caregiver a person can edit. Raises :class:`InvalidCaregiver`, naming
    the field, when a rule of the module docstring is broken."""

    name: HumanName
    relationship: str
    telecom: tuple[ContactPoint, ...] = ()
    preferred_channel: CaregiverChannel | None = None
    receives_communications: bool = False
    period_start: date | None = None
    period_end: date | None = None

    def __post_init__(self) -> None:
        if self.relationship not in RELATIONSHIPS:
            raise InvalidCaregiver(
                f"relationship {self.relationship!r} is not an accepted HL7 v3 RoleCode", field="relationship"
            )
        if len(self.telecom) > MAX_TELECOM:
            raise InvalidCaregiver(f"at most {MAX_TELECOM} contact points", field="telecom")
        if self.preferred_channel is not None and self.address_for(self.preferred_channel) is None:
            needed = "an email" if self.preferred_channel is CaregiverChannel.EMAIL else "a phone"
            raise InvalidCaregiver(
                f"preferred_channel {self.preferred_channel.value} needs {needed} in telecom",
                field="preferred_channel",
            )
        if self.receives_communications and not (self.phones or self.emails):
            raise InvalidCaregiver(
                "a caregiver who receives communications needs a phone or an email", field="receives_communications"
            )
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise InvalidCaregiver("period_end is before period_start", field="period_end")

    @property
    def relationship_display(self) -> str:
        return display(self.relationship)

    @property
    def phones(self) -> tuple[str, ...]:
        """Phones (E.164) that are not ``old``, mobile first then by ``rank``."""
        phones = [c for c in self.telecom if c.is_phone and c.use is not ContactPointUse.OLD]
        phones.sort(key=lambda c: (c.use is not ContactPointUse.MOBILE, c.rank or 1_000_000))
        return tuple(dict.fromkeys(c.value for c in phones))

    @property
    def emails(self) -> tuple[str, ...]:
        """Emails that are not ``old``, by ``rank``."""
        emails = [c for c in self.telecom if c.system is ContactPointSystem.EMAIL and c.use is not ContactPointUse.OLD]
        emails.sort(key=lambda c: c.rank or 1_000_000)
        return tuple(dict.fromkeys(c.value for c in emails))

    def address_for(self, channel: CaregiverChannel) -> str | None:
        """The first email for email, the first phone (mobile first) for SMS and WhatsApp."""
        found = self.emails if channel is CaregiverChannel.EMAIL else self.phones
        return found[0] if found else None

    def active_on(self, day: date) -> bool:
        """Whether ``day`` falls in the active period (open ends are unbounded)."""
        return (self.period_start is None or self.period_start <= day) and (
            self.period_end is None or day <= self.period_end
        )

    def communication_address(self, channel: CaregiverChannel, day: date) -> str | None:
        """Where a copy of the patient's message on ``channel`` goes on ``day``: the caregiver's
        address for it when they receive communications, are active that day and prefer that
        channel or none; ``None`` otherwise."""
        if not self.receives_communications or not self.active_on(day):
            return None
        if self.preferred_channel is not None and self.preferred_channel is not channel:
            return None
        return self.address_for(channel)


@dataclass(kw_only=True, eq=False)
class Caregiver:
    """A person related to one patient of the tenant (FHIR R4 RelatedPerson)."""

    id: CaregiverId
    tenant_id: TenantId
    patient_id: PatientId
    details: CaregiverDetails
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls, *, tenant_id: TenantId, patient_id: PatientId, details: CaregiverDetails, now: datetime
    ) -> "Caregiver":
        """A new caregiver at version 1; records :class:`CaregiverAdded`."""
        caregiver = cls(
            id=CaregiverId(new_id()),
            tenant_id=tenant_id,
            patient_id=patient_id,
            details=details,
            version=1,
            created_at=now,
            updated_at=now,
        )
        caregiver.events.append(CaregiverAdded(caregiver.id, patient_id))
        return caregiver

    def remove(self) -> None:
        """Mark the caregiver for permanent removal; records :class:`CaregiverRemoved`."""
        self.events.append(CaregiverRemoved(self.id, self.patient_id))

    def revise(self, now: datetime, changes: Mapping[str, object]) -> tuple[str, ...]:
        """Apply ``changes`` (``CaregiverDetails`` field names), returning the names that changed;
        a change bumps the version and records :class:`CaregiverUpdated` (names only). Raises
        :class:`InvalidCaregiver`, leaving the caregiver as it was, when the result breaks a rule
        or names an unknown field."""
        unknown = set(changes) - set(CaregiverDetails.__dataclass_fields__)
        if unknown:
            raise InvalidCaregiver(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        candidate = replace(self.details, **changes)  # type: ignore[arg-type]
        changed = tuple(name for name in changes if getattr(candidate, name) != getattr(self.details, name))
        if changed:
            self.details = candidate
            self.updated_at = now
            self.version += 1
            self.events.append(CaregiverUpdated(self.id, self.patient_id, changed))
        return changed
