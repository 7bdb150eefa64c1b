"""Patients' contact points for messaging (the communications context reads them through these)."""

from collections.abc import Sequence
from dataclasses import dataclass

from prm.application.patients.ports import PatientCriteria, PatientFinder, PatientRepository
from prm.domain.patients.model import PatientStatus
from prm.domain.shared.contact import ContactPoint, ContactPointSystem, ContactPointUse
from prm.domain.shared.ids import PatientId
from prm.domain.shared.text import fold

MAX_SHARED = 10
"""Patients reported for one phone or email at most (a family shares a phone; more is a data problem)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientContactPoints:
    """A patient's phones (E.164, mobile first, then by FHIR ``rank``), emails, preferred
    language (BCP 47), given name and status."""

    patient_id: PatientId
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    preferred_language: str | None
    given_name: str | None
    status: PatientStatus


def contact_points_of(
    patient_id: PatientId,
    telecom: Sequence[ContactPoint],
    *,
    preferred_language: str | None,
    given_name: str | None,
    status: PatientStatus,
) -> PatientContactPoints:
    """A patient's contact points for messaging: phones mobile first then by ``rank``, emails by
    ``rank``, ``old`` ones left out, each address once."""
    phones = [c for c in telecom if c.is_phone and c.use is not ContactPointUse.OLD]
    emails = [c for c in telecom if c.system is ContactPointSystem.EMAIL and c.use is not ContactPointUse.OLD]
    if len(phones) > 1:  # most patients have one of each: nothing to order (campaigns read 100,000s)
        phones.sort(key=lambda c: (c.use is not ContactPointUse.MOBILE, c.rank or 1_000_000))
    if len(emails) > 1:
        emails.sort(key=lambda c: c.rank or 1_000_000)
    return PatientContactPoints(
        patient_id=patient_id,
        phones=_distinct([c.value for c in phones]),
        emails=_distinct([c.value for c in emails]),
        preferred_language=preferred_language,
        given_name=given_name,
        status=status,
    )


def _distinct(values: list[str]) -> tuple[str, ...]:
    return tuple(values) if len(values) < 2 else tuple(dict.fromkeys(values))


class GetPatientContactPoints:
    """The contact points of one patient of the tenant, ``None`` when there is none with this id.
    Runs in the caller's unit of work (no commit) and records no audit event: the caller (a
    message being sent) records its own."""

    def __init__(self, patients: PatientRepository) -> None:
        self._patients = patients

    async def __call__(self, patient_id: PatientId) -> PatientContactPoints | None:
        patient = await self._patients.get(patient_id)
        if patient is None:
            return None
        return contact_points_of(
            patient.id,
            patient.details.telecom,
            preferred_language=patient.details.preferred_language,
            given_name=next(iter(patient.details.name.given), None),
            status=patient.status,
        )


class FindPatientsByContact:
    """Active patients of the tenant with this E.164 phone or this email (exactly, in one query),
    in id order, at most :data:`MAX_SHARED`. No audit event: ids only."""

    def __init__(self, finder: PatientFinder) -> None:
        self._finder = finder

    async def by_phone(self, phone: str) -> Sequence[PatientId]:
        digits = phone.removeprefix("+").strip()
        if not digits.isdigit():
            return []
        criteria = PatientCriteria(phone_digits=f" {digits} ", status=PatientStatus.ACTIVE)
        return sorted(p.id for p in await self._finder.first(criteria, MAX_SHARED))

    async def by_email(self, email: str) -> Sequence[PatientId]:
        folded = fold(email.strip())
        if not folded or " " in folded:
            return []
        criteria = PatientCriteria(email=f" {folded} ", status=PatientStatus.ACTIVE)
        return sorted(p.id for p in await self._finder.first(criteria, MAX_SHARED))
